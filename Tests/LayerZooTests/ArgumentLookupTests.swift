import LayerZoo
import LayerZooBuiltins
import LayerZooExampleSE
import LayerZooTestSupport
import XCTest

/// A plugin that looks up an argument its definition does not declare is at fault, not the
/// model file: the lookup is a distinct error, the core says so, and the test helper every
/// plugin's tests use finds it.
final class ArgumentLookupTests: XCTestCase {
    /// `k` declared, `kernal` looked up, only when `fast` is set.
    static let typo = LayerDefinition(
        name: "Typo", arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("k", .kernel, default: 3),
                                  ArgumentSpec("fast", .bool, default: false)],
        role: .channelKeeping, summary: "", origin: "TypoPlugin",
        make: { args, _ throws(LayerError) in
            if try args.bool("fast") { _ = try args.intOrPair("kernal") }
            return try Passthrough(args.int("c1"), kernel: args.intOrPair("k"))
        })

    func testStandardBuiltInAndExampleLayersLookUpOnlyDeclaredArguments() throws {
        var registry = try BuiltInPlugins.registry()
        try registry.register(contentsOf: SqueezeExcitePlugin.definitions)
        XCTAssertGreaterThan(registry.count, 20)
        // 64 channels: C3k2_ScConv's ScConv (inside C3k at a quarter of c2) needs 16 for its groups.
        assertArgumentLookupsAreDeclared(registry, samples: ["c1": 64, "c2": 64])
    }

    func testTheHelperFindsALookupBehindAFlag() throws {
        var registry = try BuiltInPlugins.registry()
        try registry.register(Self.typo)
        let report = checkArgumentLookups(in: registry, samples: ["c1": 64, "c2": 64])
        XCTAssertEqual(report.undeclared, ["TypoPlugin: Typo looks up undeclared argument 'kernal'"])
        XCTAssertEqual(report.unbuilt, [])

        // A definition no sample builds is reported too: its lookups went unchecked.
        let picky = LayerDefinition(name: "Picky", arguments: [ArgumentSpec("c1", .channels)], role: .channelKeeping,
                                    summary: "", origin: "PickyPlugin",
                                    make: { _, _ throws(LayerError) in throw LayerError("never") })
        try registry.register(picky)
        XCTAssertEqual(checkArgumentLookups(in: registry, samples: ["c1": 64, "c2": 64]).unbuilt, ["PickyPlugin: Picky refused every sample: never"])
    }

    func testTheModelFileIsNotBlamed() throws {
        var registry = try BuiltInPlugins.registry()
        try registry.register(Self.typo)
        let yaml = """
            nc: 2
            backbone:
              - [-1, 1, Conv, [16, 3, 2]]
              - [-1, 1, Typo, [3, True]]
            head:
              - [[-1], 1, Detect, [nc]]
            """
        let report = checkYAML(yaml, registry: registry, imgsz: (64, 64))
        let error = try XCTUnwrap(report.diagnostics.first, "\(report.diagnostics)")
        XCTAssertEqual(error.message, "layer 1 (Typo): internal error in TypoPlugin: Typo looks up argument 'kernal', which its definition "
                       + "does not declare (it declares c1, k, fast); the model file is not at fault")
        XCTAssertEqual(error.location?.line, 4)
        XCTAssertEqual(error.location?.column, column(of: "Typo", line: 4, in: yaml))

        var plain = LayerError("x must be an integer", argument: "x")
        XCTAssertNil(plain.undeclaredArgument)
        plain.undeclaredArgument = "x"
        XCTAssertEqual(plain.undeclaredArgument, "x")
    }

    func testLiterals() throws {
        let square: IntOrPair = 3, pair: IntOrPair = [3, 1], single: IntOrPair = [5]
        XCTAssertEqual(square, IntOrPair(3))
        XCTAssertEqual(pair, IntOrPair(3, 1))
        XCTAssertEqual(single, IntOrPair(5, 5))
        let values: [ArgValue] = [16, 0.5, true, "nearest", [3, 5]]
        XCTAssertEqual(values, [.int(16), .float(0.5), .bool(true), .string("nearest"), .list([.int(3), .int(5)])])
        XCTAssertEqual(ArgumentSpec("k", .kernel, default: 3).defaultValue, .int(3))
        XCTAssertNil(ArgumentSpec("c2", .channels).defaultValue)
    }
}

/// A 1-input layer with one convolution, for registry tests.
private final class Passthrough: UnaryLayer {
    let conv: Conv2d
    init(_ c1: Int, kernel: IntOrPair) throws(LayerError) {
        conv = try Conv2d(c1, c1, kernel: kernel, padding: kernel.map { $0 / 2 })
    }
    var children: [(name: String, module: any Module)] { [("conv", conv)] }
    func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value { try backend.conv2d(x, conv) }
}
