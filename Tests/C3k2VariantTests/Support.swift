import Foundation
import LayerZoo
import LayerZooC3k2Variants
import LayerZooCondConv
import LayerZooDBB
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Standard layers plus the C3k2 variants, DBB and CondConv plugins' (qiang's Bi_FPN file has C3k2_DynamicConv
/// rows), as a program registering them would have them (each name's first variant the default).
func variantRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: { r throws in try C3k2VariantLayers.register(into: &r); try DBBLayers.register(into: &r); try CondConvLayers.register(into: &r) })
}

/// Checks YAML text as `layerzoo validate` would, with Standard + C3k2 variants + DBB layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640)) throws -> CheckReport {
    checkYAML(yaml, registry: try variantRegistry(), file: file, scale: scale, imgsz: imgsz)
}

/// A fixture of Tests/C3k2VariantTests/Resources (scripts/fixtures/gen_c3k2_variant_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_c3k2_variant_fixtures.py")
}

func resourceText(_ name: String, _ ext: String) throws -> String {
    try resourceText(name, ext, in: Bundle.module)
}

/// The plugin's module fixtures and the checks every plugin's module tests share.
func moduleFixtures() throws -> ModuleFixtures {
    ModuleFixtures(registry: try variantRegistry(), fixture: fixture)
}

/// Builds the fixture's module through the registered definition of its name and variant.
func makeModule(_ file: SafeTensorsFile) throws -> any Layer {
    try moduleFixtures().module(file)
}

/// Sets the module's tensors from the fixture's `module.<key>` entries and prepares it.
func loadModuleWeights(_ module: any Module, from file: SafeTensorsFile) throws {
    try loadTensors(module, from: file, keyPrefix: "module.", prepare: true)
}
