import Foundation
import LayerZoo
import LayerZooBuiltins
import LayerZooTestSupport
import XCTest
import ZooCPU

/// A fixture of Tests/YOLOv5Tests/Resources (scripts/fixtures/gen_yolov5_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_yolov5_fixtures.py")
}

func resourceText(_ name: String, _ ext: String = "yaml") throws -> String {
    try resourceText(name, ext, in: Bundle.module)
}

/// A YOLOv5-dialect test config (`yolov5n.yaml`) checked as `validate` would, with every built-in layer.
func checkConfig(_ file: String, text: String? = nil, imgsz: Int = 640) throws -> CheckReport {
    let yaml = try text ?? resourceText(String(file.dropLast(5)))
    return checkYAML(yaml, registry: try BuiltInPlugins.registry(), file: file, imgsz: (imgsz, imgsz))
}

/// The model of a valid config, failing the test with its diagnostics otherwise.
func model(_ file: String, imgsz: Int = 640) throws -> Model {
    let report = try checkConfig(file, imgsz: imgsz)
    XCTAssertTrue(report.isValid, "\(file): \(report.errors)")
    return try XCTUnwrap(report.model, file)
}

/// `yaml` with its `anchors:` list replaced by `anchors: <value>`.
func replacingAnchors(_ yaml: String, with value: String) -> String {
    var lines: [String] = []
    var inAnchors = false
    for line in yaml.components(separatedBy: "\n") {
        if line.hasPrefix("anchors:") {
            lines.append("anchors: \(value)")
            inAnchors = true
        } else if inAnchors, line.hasPrefix("  - [") {
            continue
        } else {
            inAnchors = false
            lines.append(line)
        }
    }
    return lines.joined(separator: "\n")
}
