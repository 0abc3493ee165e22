import LayerZoo
import LayerZooBuiltins
import LayerZooTestSupport
import XCTest

/// Graph warnings and the image-size rules, on the core API.
final class GraphWarningsTests: XCTestCase {
    func yolov8(_ old: String, _ new: String) throws -> ConfigSource {
        let text = try XCTUnwrap(BundledConfigs.files["yolov8.yaml"])
        XCTAssertTrue(text.contains(old), old)
        return ConfigSource(displayPath: "m.yaml", text: text.replacingOccurrences(of: old, with: new), scaleFromName: "n")
    }

    func testUnusedOutputAndHeadStrides() throws {
        let checker = ModelChecker(registry: try BuiltInPlugins.registry())
        let inserted = checker.check(try yolov8("  - [-1, 3, C2f, [128, True]] # 2\n",
                                                "  - [-1, 3, C2f, [128, True]] # 2\n  - [-1, 1, Conv, [128, 3, 1]]\n"))
        XCTAssertTrue(inserted.isValid)
        XCTAssertEqual(inserted.model?.parameterCount, 5_828_688)
        XCTAssertEqual(inserted.diagnostics.map(\.code), ["unused-output"])
        XCTAssertEqual(inserted.diagnostics.first?.message, "layer 22 (C2f): its output is not used by any layer")

        let swapped = checker.check(try yolov8("[[15, 18, 21], 1, Detect, [nc]]", "[[18, 15, 21], 1, Detect, [nc]]"))
        XCTAssertEqual(swapped.diagnostics.map(\.code), ["head-strides"])
        XCTAssertEqual(swapped.diagnostics.first?.location?.column, 6, "at the from list")

        let clean = checker.check(try yolov8("[[15, 18, 21], 1, Detect, [nc]]", "[[15, 18, 21], 1, Detect, [nc]]"))
        XCTAssertEqual(clean.diagnostics.count, 0)
    }

    func testImageSizeRules() throws {
        let checker = ModelChecker(registry: try BuiltInPlugins.registry())
        let source = try yolov8("nc: 80", "nc: 80")
        var options = CheckOptions(imageHeight: 650, imageWidth: 640)
        options.imageSizeRule = .roundUp
        let rounded = checker.check(source, options: options)
        XCTAssertTrue(rounded.isValid)
        XCTAssertEqual([rounded.imageHeight, rounded.imageWidth], [672, 640])
        XCTAssertEqual(rounded.trace?.outputs.last??.dims, [1, 84, 84 * 80 + 42 * 40 + 21 * 20])
        XCTAssertEqual(rounded.diagnostics.map(\.code), ["image-size"])
        XCTAssertNil(rounded.diagnostics.first?.location)

        options.imageSizeRule = .ignore
        let ignored = checker.check(source, options: options)
        XCTAssertFalse(ignored.diagnostics.contains { $0.code == "image-size" })
        XCTAssertEqual(ignored.imageHeight, 650)

        options.imageSizeRule = .error
        XCTAssertEqual(checker.check(source, options: options).errors.first?.code, "image-size")

        XCTAssertEqual(ModelChecker.roundUp(65, 32), 96)
        XCTAssertEqual(ModelChecker.roundUp(64, 32), 64)
        XCTAssertEqual(ModelChecker.roundUp(Int.max - 1, 32), Int.max - 1, "no overflow trap")
    }
}
