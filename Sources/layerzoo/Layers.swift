import ArgumentParser
import LayerZoo

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every registered layer with its YAML arguments and channel role.")

    @OptionGroup var plugin: PluginOptions

    func run() throws {
        let registry = try BuiltInLayers.registry(plugin)
        let width = max(14, registry.definitions.map(\.name.count).max() ?? 0)
        for d in registry.definitions {
            let name = d.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let role = d.role.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
            print("\(name) \(role) \(d.yamlSignature)")
            print("    \(d.summary) (\(d.origin))")
        }
    }
}
