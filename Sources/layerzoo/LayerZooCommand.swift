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
        version: LayerZooVersion.string,
        subcommands: [Validate.self, Info.self, Run.self, Predict.self, Val.self, Bench.self, Fuse.self, Convert.self, Graph.self, Layers.self,
                      Serve.self])
}

/// The registry the tool uses: the built-in plugins, plus any plugin libraries given with
/// `--plugin` (a failure to load one is reported and ends the command with status 1).
enum BuiltInLayers {
    static func registry(_ options: PluginOptions) throws -> LayerRegistry {
        do throws(PluginFailure) {
            return try load(options)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    /// The registry, or why it could not be made (for commands that report it as JSON).
    static func load(_ options: PluginOptions) throws(PluginFailure) -> LayerRegistry {
        var registry: LayerRegistry
        do throws(RegistryError) {
            registry = try BuiltInPlugins.registry(options.builtins)
        } catch {
            throw PluginFailure(path: nil, message: error.message)
        }
        for path in options.plugins {
            do throws(PluginError) {
                try PluginLoader.load(path, into: &registry)
            } catch {
                throw PluginFailure(path: error.path, message: error.message)
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

    /// For testing a built-in plugin built as a library (scripts/build-plugin.sh), which would
    /// otherwise clash with its own built-in copy.
    @Option(name: .customLong("builtins"), help: .hidden)
    var builtins: BuiltInPlugins.Selection = .all
}

extension BuiltInPlugins.Selection: ExpressibleByArgument {}
