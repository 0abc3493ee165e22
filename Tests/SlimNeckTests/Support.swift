import Foundation
import LayerZoo
import LayerZooDBB
import LayerZooSlimNeck
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Standard layers plus the SlimNeck and DBB plugins' (YOLO-MIF's slim-neck file has C2f_DBB rows).
func slimNeckRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: { r throws in try SlimNeckLayers.register(into: &r); try DBBLayers.register(into: &r) })
}

/// Checks YAML text as `layerzoo validate` would, with Standard + SlimNeck + DBB layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640)) throws -> CheckReport {
    checkYAML(yaml, registry: try slimNeckRegistry(), file: file, scale: scale, imgsz: imgsz)
}

/// A fixture of Tests/SlimNeckTests/Resources (scripts/fixtures/gen_slimneck_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_slimneck_fixtures.py")
}

func resourceText(_ name: String, _ ext: String) throws -> String {
    try resourceText(name, ext, in: Bundle.module)
}

/// The plugin's module fixtures and the checks every plugin's module tests share.
func moduleFixtures() throws -> ModuleFixtures {
    ModuleFixtures(registry: try slimNeckRegistry(), fixture: fixture)
}
