import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooDBB
import LayerZooStandard
import XCTest
import ZooCPU

/// Standard layers plus this plugin's.
func dbbRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: DBBLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try dbbRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}

/// A valid model built from YAML text.
func buildModel(_ yaml: String, file: String, scale: String?) throws -> Model {
    let report = try check(yaml, file: file, scale: scale)
    XCTAssertTrue(report.isValid, "\(file): \(report.diagnostics)")
    return try XCTUnwrap(report.model)
}

/// A fixture file under Resources/.
func fixture(_ path: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(path, in: Bundle.module, generator: "gen_dbb_fixtures.py")
}

/// A text resource under Resources/.
func resourceText(_ path: String, _ ext: String) throws -> String {
    try resourceText(path, ext, in: Bundle.module)
}
