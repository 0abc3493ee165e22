import LayerZoo

/// Ultralytics' `v10Detect(nc=80, ch=())`: YOLOv10's head, a `Detect` with reg_max 16, the
/// light (depthwise) class branch and the one-to-one copies, whatever the model's
/// `reg_max`, `end2end` or legacy rule say. Like `yolo export` by default (`nms=None`), it
/// runs the one-to-many branch: [N, 4 + nc, A].
enum V10Detect {
    static let definition = LayerDefinition(
        name: "v10Detect",
        arguments: [
            ArgumentSpec("nc", .int(1...100_000), default: .int(80)),
            ArgumentSpec("ch", .intList(1...65_536)),
        ],
        role: .head,
        summary: "YOLOv10 detection head (dual assignment): [N, 4 + nc, anchors] from the one-to-many branch",
        origin: StandardLayers.origin,
        appendedArguments: 1,
        make: { args, context throws(LayerError) in
            let ch = try args.intList("ch")
            guard !ch.isEmpty else { throw LayerError("v10Detect needs at least one input layer", argument: "ch") }
            return try Detect(nc: args.int("nc"), regMax: 16, end2end: true, ch: ch, legacy: false,
                              act: context.defaultActivation)
        })
}
