import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest

/// Wrong argument types and counts on the classic stock rows get errors at the argument (or
/// the row) that say what was expected; bad combinations PyTorch would only hit at run time
/// are caught while tracing shapes.
final class StockDiagnosticsTests: XCTestCase {
    /// A small detector whose fourth row (line 9) is `row`.
    func model(_ row: String) -> String {
        """
        nc: 4
        backbone:
          - [-1, 1, Conv, [16, 3, 2]]
          - [-1, 1, Conv, [32, 3, 2]]
          - [-1, 1, Conv, [64, 3, 2]]
        head:
          - [-1, 1, Conv, [64, 3, 2]]
          - [-1, 1, Conv, [64, 3, 2]]
          - \(row)
          - [-1, 1, Conv, [64, 1, 1]]
          - [[3, 4, 6], 1, Detect, [nc]]
        """
    }

    func registry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    func testArgumentTypesAndCountsAreLocated() throws {
        func row(_ name: String, _ text: String, at: String, _ fragments: [String]) -> DiagnosticCase {
            let yaml = model(text)
            return DiagnosticCase(name, yaml: yaml, line: 9, at: at, fragments: fragments)
        }
        let cases = [
            row("maxpool kernel type", "[-1, 1, nn.MaxPool2d, ['three']]", at: "'three'", ["kernel_size", "an integer or a pair"]),
            row("maxpool padding over half", "[-1, 1, nn.MaxPool2d, [3, 1, 2]]", at: "2]", ["padding", "at most half"]),
            row("maxpool indices", "[-1, 1, nn.MaxPool2d, [3, 1, 1, 1, True]]", at: "True", ["return_indices"]),
            row("maxpool too many", "[-1, 1, nn.MaxPool2d, [3, 1, 1, 1, False, False, 7]]", at: "7", ["at most 6 arguments"]),
            row("zeropad three sides", "[-1, 1, nn.ZeroPad2d, [[0, 1, 0]]]", at: "[0, 1, 0]", ["[left, right, top, bottom]"]),
            row("zeropad negative", "[-1, 1, nn.ZeroPad2d, [[0, -1, 0, 1]]]", at: "[0, -1, 0, 1]", ["from 0 to 4096"]),
            row("avgpool ceil", "[-1, 1, nn.AvgPool2d, [3, 1, 1, True]]", at: "True", ["ceil_mode"]),
            row("leaky slope string", "[-1, 1, nn.LeakyReLU, ['steep']]", at: "'steep'", ["negative_slope", "a number"]),
            row("gelu tanh", "[-1, 1, nn.GELU, ['tanh']]", at: "'tanh'", ["approximate", "'none'"]),
            row("identity arguments", "[-1, 1, nn.Identity, [64]]", at: "64", ["at most 0 arguments"]),
            row("dropout probability", "[-1, 1, nn.Dropout, [1.5]]", at: "1.5", ["argument 'p'", "out of range"]),
            row("spp pool list", "[-1, 1, SPP, [64, [5, 'nine']]]", at: "[5, 'nine']", ["argument 'k'", "a list of integers"]),
            row("spp missing c2", "[-1, 1, SPP, []]", at: "[]", ["needs at least 1 argument [c2, k=[5, 9, 13]]"]),
            row("ghost stride", "[-1, 1, GhostBottleneck, [64, 3, 3]]", at: "3]", ["argument 's'", "out of range"]),
            row("convtranspose output padding", "[-1, 1, nn.ConvTranspose2d, [64, 3, 2, 1, 2]]", at: "2]",
                ["output padding 2 must be smaller than the stride"]),
            row("convtranspose groups", "[-1, 1, nn.ConvTranspose2d, [64, 3, 2, 1, 0, 5]]", at: "5]", ["groups=5 must divide"]),
            row("convtranspose bn flag", "[-1, 1, ConvTranspose, [64, 2, 2, 0, 'yes']]", at: "'yes'", ["argument 'bn'", "True or False"]),
            row("dwconv kernel", "[-1, 1, DWConv, [64, 0]]", at: "0]", ["argument 'k'", "out of range"]),
            row("resnet layer short", "[-1, 1, ResNetLayer, [64, 16, 1]]", at: "[64, 16, 1]", ["is_first (args[3])"]),
            row("c1 repeats type", "[-1, 1, C1, [64, 'x']]", at: "'x'", ["at most 1 argument"]),
        ]
        assertDiagnoses(cases, registry: try registry())
    }

    /// Rows whose shapes do not fit are refused while tracing, at the row.
    func testShapeProblemsAreFoundWhileTracing() throws {
        let registry = try registry()
        for (text, fragment) in [("[-1, 1, nn.MaxPool2d, [9, 1, 0]]", "kernel"),
                                 ("[-1, 1, LightConv, [32, 64, 3]]", "channels"),
                                 ("[-1, 1, Focus, [64]]", "even")] {
            let report = checkYAML(model(text), registry: registry, file: "m.yaml", imgsz: (96, 96))
            let errors = report.diagnostics.filter { $0.severity == .error }
            XCTAssertFalse(errors.isEmpty, text)
            XCTAssertTrue(errors.contains { $0.message.contains(fragment) && $0.location?.line == 9 }, "\(text): \(errors)")
        }
    }

    /// parse_model's channel rules: nn.ConvTranspose2d is a base module (c1 inserted, c2 scaled
    /// by width), LightConv and the torch.nn pools keep what the row reads.
    func testChannelRulesFollowParseModel() throws {
        let yaml = """
        nc: 4
        scales:
          n: [0.33, 0.25, 1024]
        backbone:
          - [-1, 1, Conv, [64, 3, 2]]
          - [-1, 1, nn.ConvTranspose2d, [256, 2, 2]]
          - [-1, 1, nn.MaxPool2d, [2, 2]]
          - [-1, 1, ResNetLayer, [64, 8, 1, False, 1]]
          - [-1, 1, ResNetLayer, [32, 16, 1, True]]
        head:
          - [-1, 1, Classify, [nc]]
        """
        let report = checkYAML(yaml, registry: try registry(), file: "m.yaml", scale: "n", imgsz: (64, 64))
        XCTAssertFalse(report.diagnostics.containsError, "\(report.diagnostics)")
        XCTAssertEqual(report.model?.nodes.prefix(5).map(\.outChannels), [16, 64, 64, 32, 16])
    }
}
