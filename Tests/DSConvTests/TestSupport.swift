import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooDSConv
import LayerZooStandard
import XCTest
import ZooCPU

/// Standard layers plus this plugin, as a program registering both would have.
func dsconvRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: DSConvLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with this plugin registered.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try dsconvRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}

/// A valid model built from `yaml` (fails the test otherwise).
func buildModel(_ yaml: String, file: String, scale: String?, imgsz: (Int, Int) = (640, 640)) throws -> Model {
    let report = try check(yaml, file: file, scale: scale, imgsz: imgsz)
    XCTAssertTrue(report.isValid, "\(report.diagnostics)")
    return try XCTUnwrap(report.model)
}

/// Configs/yolov8-dsconv.yaml at scale n with seeded weights (seed 0).
func seededDSConvModel() throws -> Model {
    let m = try buildModel(try configText("yolov8-dsconv.yaml"), file: "yolov8-dsconv.yaml", scale: "n")
    try m.initializeSeededWeights(seed: 0)
    return m
}

/// A fixture file from Resources/.
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_dsconv_fixtures.py")
}

/// Builds the layer a YAML row names, from its full positional arguments (after the channel
/// rules), through the plugin's own definition.
func makeLayer(_ name: String, _ values: [ArgValue], context: ModelContext = ModelContext()) throws -> any Layer {
    try makeLayer(try XCTUnwrap(DSConvLayers.definitions.first { $0.name == name }, name), values, context: context)
}
