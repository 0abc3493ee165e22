import ArgumentParser
import LayerZoo

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every registered layer with its YAML arguments and channel role, and the model transforms plugins provide.")

    @OptionGroup var plugin: PluginOptions

    func run() throws {
        let registry = try BuiltInLayers.registry(plugin)
        let width = max(14, registry.definitions.map(\.name.count).max() ?? 0)
        for d in registry.definitions {
            let name = d.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let role = d.role.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
            print("\(name) \(role) \(d.yamlSignature)")
            var origin = d.origin
            if let variant = d.variant {
                let isDefault = registry.definition(named: d.name)?.variant == variant
                origin += "; variant \(variant)" + (isDefault ? ", the default" : ", --define \(d.name)=\(variant)")
            }
            print("    \(d.summary) (\(origin))")
        }
        // Two lines per layer, as above: scripts read the listing in pairs.
        for d in registry.dialectDefinitions(.yolov5) {
            let name = d.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(name) \(d.role.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(d.yamlSignature)")
            print("    in YOLOv5-dialect files (an 'anchors' key passed to a layer; docs/yolov5-dialect.md): \(d.summary) (\(d.origin))")
        }
        guard !registry.transforms.isEmpty else { return }
        print("\nModel transforms (--transform NAME[=VALUE] on run, bench, info):")
        for t in registry.transforms {
            let setting = t.setting.map { "=\($0.name) (\($0.range.lowerBound)…\($0.range.upperBound))" } ?? ""
            print("\(t.name)\(setting)")
            print("    \(t.summary) (\(t.origin))")
        }
    }
}
