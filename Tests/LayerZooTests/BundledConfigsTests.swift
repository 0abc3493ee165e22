import Foundation
import LayerZoo
import LayerZooBuiltins
import LayerZooExampleSE
import LayerZooTestSupport
import XCTest

final class BundledConfigsTests: XCTestCase {
    /// The configs compiled into the binary must be the files in Configs/ (regenerate with
    /// scripts/embed_configs.py).
    func testEmbeddedConfigsMatchFiles() throws {
        let directory = repositoryRoot.appendingPathComponent("Configs")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(Set(names), Set(BundledConfigs.files.keys), "run scripts/embed_configs.py")
        for name in names {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            XCTAssertEqual(BundledConfigs.files[name], text.trimmingCharacters(in: .newlines),
                           "\(name) differs from its embedded copy: run scripts/embed_configs.py")
        }
    }

    /// Every bundled config builds with the built-in plugins alone, at every scale it defines,
    /// and so does the example plugin's config (beside the plugin) with the plugin.
    func testEveryBundledConfigIsValidAtEveryScale() throws {
        var registry = try BuiltInPlugins.registry()
        var configs = BundledConfigs.files.sorted(by: { $0.key < $1.key }).map { (name: $0.key, text: $0.value, registry: registry) }
        try registry.register(contentsOf: SqueezeExcitePlugin.definitions)
        let se = try String(contentsOf: repositoryRoot.appendingPathComponent("Plugins/Examples/SqueezeExcite/yolov8-se.yaml"),
                            encoding: .utf8)
        configs.append((name: "yolov8-se.yaml", text: se, registry: registry))
        for (name, text, registry) in configs {
            let checker = ModelChecker(registry: registry)
            let scales = ["n", "s", "m", "l", "x"].filter { text.contains("\n  \($0): [") }
            for scale in scales.isEmpty ? [nil] : scales.map(Optional.some) {
                let report = checker.check(ConfigSource(displayPath: name, text: text, scaleFromName: nil),
                                           options: CheckOptions(scale: scale))
                XCTAssertTrue(report.isValid, "\(name) \(scale ?? "-"): \(report.diagnostics)")
                XCTAssertEqual(report.diagnostics.filter { $0.severity == .warning }.map(\.message), [], "\(name) \(scale ?? "-")")
            }
        }
    }

    func testUltralyticsFileNameConvention() throws {
        let source = try ConfigSource.locate("yolov8s.yaml")
        XCTAssertTrue(source.isBundled)
        XCTAssertEqual(source.displayPath, "Configs/yolov8.yaml")
        XCTAssertEqual(source.scaleFromName, "s")
        XCTAssertEqual(try ConfigSource.locate("yolov8n-p2.yaml").displayPath, "Configs/yolov8-p2.yaml")
        XCTAssertEqual(try ConfigSource.locate("yolov8n6.yaml").displayPath, "Configs/yolov8-p6.yaml")
        XCTAssertEqual(try ConfigSource.locate("yolo11m.yaml").scaleFromName, "m")
        XCTAssertEqual(ConfigSource.guessScale("yolov8-C2f-DBB"), nil)
        XCTAssertEqual(ConfigSource.guessScale("YOLOv5-Improved__yolov5n-improve"), "n")
        XCTAssertThrowsError(try ConfigSource.locate("yolov9000q.yaml")) { error in
            XCTAssertTrue("\(error)".contains("no such model file"), "\(error)")
        }
    }
}
