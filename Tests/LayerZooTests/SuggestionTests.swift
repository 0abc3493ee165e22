import LayerZoo
import LayerZooBuiltins
import XCTest

/// "Did you mean" only for close names; known modules LayerZoo lacks get their own message.
final class SuggestionTests: XCTestCase {
    func testSuggestionsStayClose() throws {
        let registry = try BuiltInPlugins.registry()
        // DWConv and GSConv are one edit from DSConv (the snake convolution): close by spelling, so the
        // registry may suggest it; validate names them as known modules instead (next test).
        for far in ["C3k2_WTConv", "SCDown", "ADown", "XYConvQ", "C2"] where registry.definition(named: far) == nil {
            XCTAssertEqual(registry.suggestions(for: far), [], far)
        }
        XCTAssertEqual(registry.suggestions(for: "SPPFF"), ["SPPF"])
        XCTAssertEqual(registry.suggestions(for: "Detekt"), ["Detect"])
        XCTAssertEqual(registry.suggestions(for: "Detcet"), ["Detect"], "a swap of two neighbours is one edit")
        XCTAssertEqual(registry.suggestions(for: "nn.Upsampel"), ["nn.Upsample"])
        XCTAssertEqual(registry.suggestions(for: "c2f").first, "C2f")
        XCTAssertEqual(registry.suggestions(for: "C2f_DynamicConvv"), ["C2f_DynamicConv"])
        XCTAssertEqual(LayerRegistry.allowedEdits(for: "C2f"), 0)
        XCTAssertEqual(LayerRegistry.allowedEdits(for: "Detekt"), 1)
        XCTAssertEqual(LayerRegistry.allowedEdits(for: "C3k2_DynamicConv"), 2)
    }

    func testKnownModulesGetTheirOwnMessage() throws {
        let registry = try BuiltInPlugins.registry()
        let checker = ModelChecker(registry: registry)
        for (module, origin) in [("TorchVision", "Ultralytics' TorchVision"), ("Index", "Ultralytics' Index"), ("SimFusion_4in", "a community module (Gold-YOLO)"),
                                 ("C3k2_WTConv", "a community module"), ("LSKA", "a community module (LSKA (large separable kernel attention))")] {
            let text = "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, \(module), [32, 3, 2]]\nhead:\n  - [[-1], 1, Detect, [nc]]\n"
            let report = checker.check(ConfigSource(displayPath: "m.yaml", text: text, scaleFromName: nil))
            let error = try XCTUnwrap(report.errors.first, module)
            XCTAssertTrue(error.message.hasPrefix("layer 1: unknown module '\(module)': \(origin)"), error.message)
            XCTAssertFalse(error.notes.contains { $0.message.contains("did you mean") }, "\(error.notes)")
            XCTAssertEqual(error.location?.line, 4)
            XCTAssertEqual(error.location?.column, 13)
        }
        XCTAssertNil(KnownModules.lookup("NotAModuleAnywhere"))
    }
}
