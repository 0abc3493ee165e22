import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooSAConv
import LayerZooStandard
import XCTest
import ZooCPU

/// The standard layers and this plugin's, as a program that wants SAConv registers them.
func saconvRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: SAConvLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with the standard and SAConv layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try saconvRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}

/// A fixture written by scripts/fixtures/gen_saconv_fixtures.py.
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_saconv_fixtures.py")
}


