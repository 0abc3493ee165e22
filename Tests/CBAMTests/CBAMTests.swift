import Foundation
import LayerZoo
import LayerZooExampleCBAM
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The CBAM example plugin: the paper's CBAM, registered as the `paper` variant of `CBAM` beside
/// Ultralytics' (the default, in LayerZooStandard), against its PyTorch twin (fixtures from
/// scripts/fixtures/gen_cbam_fixtures.py); and `ChannelMeanMax`, the complete `CustomOperation`
/// shown in docs/custom-layers.md, against PyTorch and a plain reference loop.
final class CBAMTests: XCTestCase {
    static let cases = ["cbam_paper_c16_r4_k7", "cbam_paper_c8_r16_k3", "cbam_paper_c40_r8_k7"]

    func fixture(_ name: String) throws -> SafeTensorsFile {
        try safeTensorsFixture(name, in: Bundle.module, generator: "gen_cbam_fixtures.py")
    }

    /// The layer as a model row would build it, with the fixture's weights.
    func layer(_ file: SafeTensorsFile) throws -> PaperCBAM {
        let values = try ["c1", "reduction", "kernel_size"].map { ArgValue.int(try XCTUnwrap(Int(file.metadata[$0] ?? ""), $0)) }
        let definition = PaperCBAM.definition
        let layer = try XCTUnwrap(try definition.make(LayerArguments(specs: definition.arguments, values: values), ModelContext()) as? PaperCBAM)
        try loadTensors(layer, from: file, keyPrefix: "module.", prepare: true)
        return layer
    }

    func testOutputsParametersAndThopCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture(name)
            let cbam = try layer(file)
            XCTAssertEqual(cbam.parameterCount, Int(file.metadata["parameters"] ?? ""), name)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let output = try cbam.forward([input], on: CPUBackend())
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = relativeError(output, expected)
            print("\(name): max relative error \(error)")
            XCTAssertLessThan(error, 1e-4, name)

            let shapes = ShapeBackend()
            XCTAssertEqual(try cbam.forward([ShapeValue(input.shape)], on: shapes).dims, expected.shape, name)
            XCTAssertEqual(shapes.macs, Int(file.metadata["macs"] ?? ""), name)
        }
    }

    /// Both meanings of `CBAM` in one registry: Ultralytics' is the default (with a note naming
    /// the other), `layerzoo_variants` picks the paper's, and each reads its own keys.
    func testTheStockCBAMIsTheDefaultAndThePaperOneAVariant() throws {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        try registry.register(contentsOf: CBAMPlugin.definitions)
        XCTAssertEqual(registry.variants(named: "CBAM").compactMap(\.variant), [CBAM.variant, PaperCBAM.variant])
        let yaml = """
            backbone:
              - [-1, 1, Conv, [16, 3, 2]]
              - [-1, 1, CBAM, [16]]
            head: []
            """
        let stock = checkYAML(yaml, registry: registry, imgsz: (32, 32))
        XCTAssertFalse(stock.diagnostics.containsError, "\(stock.diagnostics)")
        XCTAssertTrue(stock.diagnostics.contains { $0.message.contains("used 'ultralytics'") }, "\(stock.diagnostics)")
        XCTAssertTrue(try XCTUnwrap(stock.model).namedTensors().contains { $0.key == "model.1.channel_attention.fc.bias" })

        let paper = checkYAML("layerzoo_variants: {CBAM: paper}\n" + yaml, registry: registry, imgsz: (32, 32))
        XCTAssertFalse(paper.diagnostics.containsError, "\(paper.diagnostics)")
        let keys = try XCTUnwrap(paper.model).namedTensors().map(\.key).filter { $0.hasPrefix("model.1.") }
        XCTAssertEqual(keys, ["model.1.channel_attention.mlp.0.weight", "model.1.channel_attention.mlp.2.weight",
                              "model.1.spatial_attention.cv1.weight"])
    }

    func testChannelMeanMaxMatchesPyTorchAndAReferenceLoop() throws {
        for name in Self.cases {
            let file = try fixture(name)
            let cbam = try layer(file)
            let attended = try cbam.channel_attention(try file.tensor("input"), on: CPUBackend())
            let statistics = try ChannelMeanMax().run([attended], context: ExecutionContext())
            XCTAssertLessThan(relativeError(statistics, try file.tensor("statistics")), 1e-5, name)
            XCTAssertLessThan(relativeError(statistics, try referenceMeanMax(attended)), 1e-6, name)
        }
        // Sizes around the operation's 256-pixel blocks, one channel, and threads splitting
        // images: every element of the output is written, and written right.
        ZooCPUSettings.threadCount = 2
        for shape in [[3, 5, 16, 17], [1, 1, 1, 1], [2, 7, 1, 300], [1, 64, 33, 31]] {
            let count = shape.reduce(1, *)
            let x = try Tensor(shape: shape, data: (0..<count).map { Float(($0 * 7919) % 1013) / 101 - 5 })
            let y = try ChannelMeanMax().run([x], context: ExecutionContext())
            XCTAssertLessThan(relativeError(y, try referenceMeanMax(x)), 1e-6, "\(shape)")
        }
    }

    func testBadInputsAndArgumentsAreErrors() throws {
        XCTAssertThrowsError(try ChannelMeanMax().outputShape([[1, 4, 8]]))
        XCTAssertThrowsError(try ChannelMeanMax().outputShape([[1, 4, 8, 8], [1, 4, 8, 8]]))
        XCTAssertThrowsError(try ChannelMeanMax().run([try Tensor(shape: [2, 3])], context: ExecutionContext()))
        var registry = LayerRegistry()
        try registry.register(contentsOf: CBAMPlugin.definitions)
        try registry.register(contentsOf: [LayerDefinition(
            name: "Stem", arguments: [ArgumentSpec("c2", .channels)], role: .passthrough, summary: "", origin: "test",
            make: { args, _ throws(LayerError) in try Stem(args.int("c2")) })])
        let yaml = """
            backbone:
              - [-1, 1, Stem, [16]]
              - [-1, 1, CBAM, [16, 4, 5]]
            head: []
            """
        let report = checkYAML(yaml, registry: registry, imgsz: (32, 32))
        XCTAssertEqual(report.diagnostics.count, 1, "\(report.diagnostics)")
        let first = try XCTUnwrap(report.diagnostics.first)
        XCTAssertTrue(first.message.contains("kernel size must be 3 or 7, got 5"), first.message)
        XCTAssertEqual(first.location?.line, 3)
        XCTAssertEqual(first.location?.column, column(of: "5]", line: 3, in: yaml))

        // Without Ultralytics' CBAM registered, the paper's is the only meaning of the name.
        // parse_model gives CBAM no channel rule: c1 is written, and must match what arrives.
        let wrong = checkYAML(yaml.replacingOccurrences(of: "[16, 4, 5]", with: "[32]"), registry: registry, imgsz: (32, 32))
        XCTAssertFalse(wrong.isValid)
        XCTAssertTrue(wrong.diagnostics.contains { $0.message.contains("expects 32 input channels but receives 16") },
                      "\(wrong.diagnostics)")
    }

    func testEveryArgumentLookupIsDeclared() throws {
        assertArgumentLookupsAreDeclared(try LayerRegistry(CBAMPlugin.definitions))
    }

    /// The mean and max over channels, one pixel at a time, in Double for the mean.
    func referenceMeanMax(_ x: Tensor) throws -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let v = x.toArray()
        var out = [Float](repeating: 0, count: n * 2 * h * w)
        for image in 0..<n {
            for p in 0..<h * w {
                var sum = 0.0, best = -Float.infinity
                for channel in 0..<c {
                    let value = v[(image * c + channel) * h * w + p]
                    sum += Double(value)
                    best = max(best, value)
                }
                out[image * 2 * h * w + p] = Float(sum / Double(c))
                out[(image * 2 + 1) * h * w + p] = best
            }
        }
        return try Tensor(shape: [n, 2, h, w], data: out)
    }
}

/// A 3 → c2 channel stem to put CBAM rows after.
final class Stem: UnaryLayer {
    let conv: Conv2d
    init(_ c2: Int) throws(LayerError) { conv = try Conv2d(3, c2, kernel: 1) }
    var children: [(name: String, module: any Module)] { [("conv", conv)] }
    func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value { try backend.conv2d(x, conv) }
}

/// docs/custom-layers.md shows `ChannelMeanMax` verbatim: the shown code is the tested code.
final class CustomLayersGuideTests: XCTestCase {
    func testTheGuideShowsTheCompiledOperation() throws {
        let guide = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/custom-layers.md"), encoding: .utf8)
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Plugins/Standard/CBAM/ChannelMeanMax.swift"),
                                encoding: .utf8)
        let marker = try XCTUnwrap(guide.range(of: "<!-- Plugins/Standard/CBAM/ChannelMeanMax.swift"))
        let open = try XCTUnwrap(guide.range(of: "```swift\n", range: marker.upperBound..<guide.endIndex))
        let close = try XCTUnwrap(guide.range(of: "```\n", range: open.upperBound..<guide.endIndex))
        XCTAssertEqual(String(guide[open.upperBound..<close.lowerBound]), source)
    }
}
