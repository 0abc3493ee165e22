import LayerZoo

extension Detect {
    /// The definition of a Detect-family head: the arguments its row writes, then the
    /// `reg_max, end2end, ch` parse_model appends (`prepare`), as a head's channel role.
    static func headDefinition(name: String, arguments: [ArgumentSpec], summary: String,
                               prepare: @escaping @Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void
                                   = Detect.appendRegMaxAndEnd2End,
                               make: @escaping @Sendable (LayerArguments, ModelContext) throws(LayerError) -> any Layer) -> LayerDefinition {
        LayerDefinition(
            name: name,
            arguments: arguments + [
                ArgumentSpec("reg_max", .int(1...256), default: .int(16)),
                ArgumentSpec("end2end", .bool, default: .bool(false)),
                ArgumentSpec("ch", .intList(1...65_536)),
            ],
            role: .head,
            summary: summary,
            origin: StandardLayers.origin,
            appendedArguments: 3,
            prepare: prepare,
            make: make)
    }
}
