import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooSAConv
import LayerZooStandard
import XCTest
import ZooCPU

/// The standard layers and this plugin's, as a program that wants SAConv registers them.
func saconvRegistry() throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    try SAConvLayers.register(into: &registry)
    return registry
}

/// Checks YAML text as `layerzoo validate` would, with the standard and SAConv layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try saconvRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}

/// A fixture written by scripts/fixtures/gen_saconv_fixtures.py.
func fixture(_ name: String) throws -> SafeTensorsFile {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/\(name)", withExtension: "safetensors"),
                            "missing fixture \(name): run scripts/fixtures/gen_saconv_fixtures.py")
    return try SafeTensorsFile(path: url.path)
}


/// Runs every module's load-time preparation, children first (what `Model` does per layer).
func prepare(_ module: any Module) throws {
    for m in module.allModules().reversed() { try m.prepareForInference() }
}

