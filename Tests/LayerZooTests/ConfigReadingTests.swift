import LayerZoo
import XCTest

/// YAML and argument reading as PyYAML and `parse_model` do it.
final class ConfigReadingTests: XCTestCase {
    func node(_ yaml: String) throws -> ConfigNode {
        try YAMLLoader().load(yaml, file: "t.yaml")
    }

    func testPlainScalarsResolveLikePyYAML() throws {
        let root = try node("a: [yes, No, on, ~, null, 010, 0x1f, 1_000, 1.5, 1e-3, .inf, 'True', 3.0e+2, -7]")
        let values = try XCTUnwrap(root["a"]?.value)
        XCTAssertEqual(values, .list([.bool(true), .bool(false), .bool(true), .none, .none, .int(8), .int(31), .int(1000),
                                      .float(1.5), .string("1e-3"), .float(.infinity), .string("True"), .float(300), .int(-7)]))
    }

    func testStringArgumentsAreLiteralEvaluated() throws {
        let yaml = """
            nc: 3
            backbone:
              - [-1, 1, Conv, ['16', 3, 2]]
              - [-1, 1, Conv, [32, "(3)", 2, None]]
            head:
              - [-1, 1, nn.Upsample, ['None', 2, 'nearest']]
              - [[-1, 0], 1, Concat, [1]]
              - [[3], 1, Detect, [nc]]
            """
        let report = try check(yaml)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        let args = try XCTUnwrap(report.model?.nodes.map { $0.arguments.map(\.description).joined(separator: ", ") })
        XCTAssertEqual(args, ["3, 16, 3, 2", "16, 32, 3, 2, None", "None, 2, 'nearest'", "1", "3, 16, False, [48]"])
    }

    func testDepthGainRoundsHalfToEvenLikePython() throws {
        let yaml = """
            depth_multiple: 0.5
            width_multiple: 1.0
            backbone:
              - [-1, 1, Conv, [8, 3, 2]]
              - [-1, 5, C2f, [8]]
              - [-1, 3, C2f, [8]]
              - [-1, 7, C3, [8]]
            head:
              - [[-1], 1, Detect, [2]]
            """
        let report = try check(yaml)
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        // round(2.5) = 2, round(1.5) = 2, round(3.5) = 4 in Python.
        XCTAssertEqual(report.model?.nodes.map(\.repeats), [1, 2, 2, 4, 1])
    }

    func testWidthScalingUsesMakeDivisibleAndMaxChannels() throws {
        let yaml = """
            scales:
              t: [1.0, 0.3, 100]
            backbone:
              - [-1, 1, Conv, [64, 3, 2]]
              - [-1, 1, Conv, [1000, 3, 2]]
            head:
              - [[-1], 1, Detect, [5]]
            """
        let report = try check(yaml)
        // ceil(64 × 0.3 / 8) × 8 = 24; min(1000, 100) × 0.3 = 30 → 32.
        XCTAssertEqual(report.model?.nodes.map(\.outChannels).prefix(2), [24, 32])
    }

    func testActivationKeyChangesConvsButIsNeverEvaluated() throws {
        XCTAssertEqual(Activation.parse("nn.ReLU()"), .relu)
        XCTAssertEqual(Activation.parse("torch.nn.LeakyReLU(0.1)"), .leakyReLU(0.1))
        XCTAssertEqual(Activation.parse("nn.SiLU(inplace=True)"), .silu)
        XCTAssertNil(Activation.parse("nn.ReLU(); import os"))
        XCTAssertNil(Activation.parse("os.system('x')"))
        let report = try check("activation: nn.ReLU()\n" + tinyModel)
        XCTAssertEqual(report.model?.context.defaultActivation, .relu)
    }

    func testAliasExpansionIsBounded() throws {
        var yaml = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        for i in 1...9 { yaml += "b\(i): &b\(i) [" + Array(repeating: i == 1 ? "*a" : "*b\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        var limits = YAMLLoader.Limits()
        limits.maxNodes = 100_000
        XCTAssertThrowsError(try YAMLLoader(limits: limits).load(yaml, file: "t.yaml")) { error in
            XCTAssertTrue("\(error)".contains("expands to more than"), "\(error)")
        }
    }

    func testRegistryRefusesDuplicatesNamingTheExistingEntry() throws {
        var registry = try testRegistry()
        let clash = LayerDefinition(name: "Conv", arguments: [], role: .passthrough, summary: "", origin: "MyPlugin",
                                    make: { _, _ throws(LayerError) in throw LayerError("unused") })
        XCTAssertThrowsError(try registry.register(clash)) { error in
            XCTAssertEqual("\(error)", "layer 'Conv' from MyPlugin is already registered by LayerZooStandard")
        }
        XCTAssertEqual(registry.suggestions(for: "C2F").first, "C2f")
        XCTAssertEqual(registry.suggestions(for: "Conc at").first, "Concat")
    }
}
