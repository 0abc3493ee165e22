import ArgumentParser
import LayerZoo
import LayerZooBuiltins

@main
struct LayerZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layerzoo",
        abstract: "Check, inspect, run and time Ultralytics-style YAML models on the CPU.",
        discussion: """
            CONFIG is a model file such as Configs/yolov8.yaml. Ultralytics' naming works too: \
            'yolov8n.yaml' means yolov8.yaml at scale n, found beside the given path or among \
            the configs built into LayerZoo: \(BundledConfigs.files.keys.sorted().joined(separator: ", ")). \
            A PyTorch checkpoint (best.pt) works as CONFIG too: its YAML, class names and weights are used.
            """,
        subcommands: [Validate.self, Info.self, Run.self, Bench.self, Reparam.self, Convert.self, Layers.self])
}

/// The registry the tool uses: the built-in plugins, plus any plugin libraries given with
/// `--plugin` (a failure to load one is reported and ends the command with status 1).
enum BuiltInLayers {
    static func registry(plugins: [String] = []) throws -> LayerRegistry {
        var registry = try BuiltInPlugins.registry()
        for path in plugins {
            do throws(PluginError) {
                try PluginLoader.load(path, into: &registry)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }
        }
        return registry
    }
}

/// `--plugin PATH`, repeatable: shared by every command that reads models.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"),
            help: ArgumentHelp("A plugin library (.so) with more layers; repeatable. Build one with scripts/build-plugin.sh.",
                               valueName: "path"))
    var plugins: [String] = []
}
