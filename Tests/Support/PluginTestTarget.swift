import Foundation
import LayerZoo
import XCTest
import ZooCPU

/// What a plugin's test target shares with every other: its registry (the standard layers plus
/// its plugins'), the fixtures and texts under its `Resources/`, and the module-test helpers
/// over them. Each target makes one, e.g.
/// `let plugin = PluginTestTarget(bundle: .module, generator: "gen_x_fixtures.py") { r in try XLayers.register(into: &r) }`.
public struct PluginTestTarget: @unchecked Sendable {
    /// The target's `Bundle.module`.
    public let bundle: Bundle
    /// The script under `scripts/fixtures/` that writes the target's fixtures.
    public let generator: String
    private let registerPlugins: @Sendable (inout LayerRegistry) throws -> Void

    public init(bundle: Bundle, generator: String, registerPlugins: @escaping @Sendable (inout LayerRegistry) throws -> Void) {
        self.bundle = bundle
        self.generator = generator
        self.registerPlugins = registerPlugins
    }

    /// The standard layers plus the plugins', as a program registering them would have them
    /// (each name's first variant the default).
    public func registry() throws -> LayerRegistry {
        try registryWithStandardLayers(and: registerPlugins)
    }

    /// Checks YAML text as `layerzoo validate` would, with `registry()`'s layers.
    public func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil,
                      imgsz: (Int, Int) = (640, 640)) throws -> CheckReport {
        checkYAML(yaml, registry: try registry(), file: file, scale: scale, imgsz: imgsz)
    }

    /// A safetensors fixture of the target's `Resources/`.
    public func fixture(_ name: String) throws -> SafeTensorsFile {
        try safeTensorsFixture(name, in: bundle, generator: generator)
    }

    /// A text file of the target's `Resources/`.
    public func resourceText(_ name: String, _ ext: String) throws -> String {
        try LayerZooTestSupport.resourceText(name, ext, in: bundle)
    }

    /// The target's module fixtures and the checks every plugin's module tests share.
    public func moduleFixtures() throws -> ModuleFixtures {
        ModuleFixtures(registry: try registry(), fixture: fixture)
    }

    /// Builds the fixture's module through the registered definition of its name and variant.
    public func makeModule(_ file: SafeTensorsFile) throws -> any Layer {
        try moduleFixtures().module(file)
    }

    /// Sets the module's tensors from the fixture's `module.<key>` entries and prepares it.
    public func loadModuleWeights(_ module: any Module, from file: SafeTensorsFile) throws {
        try loadTensors(module, from: file, keyPrefix: "module.", prepare: true)
    }
}
