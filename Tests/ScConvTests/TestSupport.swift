import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooScConv
import LayerZooStandard
import XCTest
import ZooCPU

/// A registry with the standard layers and this plugin's.
func scconvRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: ScConvLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with the ScConv plugin registered.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try scconvRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}


/// A fixture file under Resources/ (written by scripts/fixtures/gen_scconv_fixtures.py).
func fixture(_ path: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(path, in: Bundle.module, generator: "gen_scconv_fixtures.py")
}


/// The layer a module fixture describes, built through its registered definition (so the
/// YAML path's checks and defaults are what is tested), with the fixture's weights loaded and
/// load-time preparation run. Batch norms keep PyTorch's eps 1e-5, as the standalone
/// PyTorch module does.
func moduleFromFixture(_ file: SafeTensorsFile) throws -> any Layer {
    let kind = try XCTUnwrap(file.metadata["kind"])
    let definition = try XCTUnwrap(ScConvLayers.definitions.first { $0.name == kind }, kind)
    let layer = try makeLayer(definition, try FixtureArgument.values(in: file))
    try loadTensors(layer, from: file, keyPrefix: "module.", prepare: true)
    return layer
}
