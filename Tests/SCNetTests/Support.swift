import Foundation
import LayerZoo
import LayerZooSCNet
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Standard layers plus the SCNet plugin's, as a program registering both would have them
/// (each name's first variant, `scnet`, the default).
func scnetRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: SCNetLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with Standard + SCNet layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640)) throws -> CheckReport {
    checkYAML(yaml, registry: try scnetRegistry(), file: file, scale: scale, imgsz: imgsz)
}

/// A fixture of Tests/SCNetTests/Resources (scripts/fixtures/gen_scnet_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_scnet_fixtures.py")
}

func resourceText(_ name: String, _ ext: String) throws -> String {
    try resourceText(name, ext, in: Bundle.module)
}

/// The plugin's module fixtures and the checks every plugin's module tests share.
func moduleFixtures() throws -> ModuleFixtures {
    ModuleFixtures(registry: try scnetRegistry(), fixture: fixture)
}

/// Builds the fixture's module through the registered definition of its name and variant.
func makeModule(_ file: SafeTensorsFile) throws -> any Layer {
    try moduleFixtures().module(file)
}

/// Sets the module's tensors from the fixture's `module.<key>` entries and prepares it.
func loadModuleWeights(_ module: any Module, from file: SafeTensorsFile) throws {
    try loadTensors(module, from: file, keyPrefix: "module.", prepare: true)
}
