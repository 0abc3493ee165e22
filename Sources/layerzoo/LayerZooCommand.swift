import ArgumentParser
import LayerZoo
import LayerZooBuiltins

@main
struct LayerZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layerzoo",
        abstract: "Check and inspect Ultralytics-style YAML models on the CPU.",
        discussion: """
            CONFIG is a model file such as Configs/yolov8.yaml. Ultralytics' naming works too:
            'yolov8n.yaml' means yolov8.yaml at scale n, found beside the given path or among
            the configs built into LayerZoo (yolov8, yolov8-p2, yolov8-p6, yolo11, yolov5, yolov3).
            """,
        subcommands: [Validate.self, Info.self, Run.self, Bench.self, Layers.self])
}

/// The registry the tool uses: the built-in plugins.
enum BuiltInLayers {
    static func registry() throws -> LayerRegistry {
        try BuiltInPlugins.registry()
    }
}
