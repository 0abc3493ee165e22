/// Everything a plugin declares about one YAML layer name: how `parse_model` treats it and
/// how to build it. Registering a definition needs no edit anywhere else.
public struct LayerDefinition: Sendable {
    /// The module name as YAML files write it (`Conv`, `nn.Upsample`, `C2f_DBB`).
    public var name: String
    /// The PyTorch constructor's arguments, in order, including those the core injects
    /// (`c1`, `c2`, `n`) and those appended for heads (`ch`).
    public var arguments: [ArgumentSpec]
    public var role: ChannelRole
    /// One line for `layerzoo layers`.
    public var summary: String
    /// Which plugin provides it (shown in listings and in duplicate-name errors).
    public var origin: String
    /// Which definition of a name that several lineages define differently this is
    /// (`C2f_DBB` as `dbb-dbb` or `conv-dbb`); nil for a name with one meaning. The registry
    /// keeps every variant of a name; one is the default.
    public var variant: String?
    /// Trailing arguments that the model supplies, never the YAML (Detect's `reg_max`,
    /// `end2end` and `ch`).
    public var appendedArguments: Int
    /// Runs after the channel rules, before type checks: the place for rules such as
    /// "C3k2 at scale m/l/x forces c3k" or "Detect receives reg_max and end2end".
    public var prepare: (@Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void)?
    /// parse_model's own output-channel rule for the layer, when its role's is not it
    /// (ResNetLayer: `args[1]`, or `4 * args[1]` unless `is_first`): given the arguments after
    /// the channel rules and `prepare`, and the input channels. Nil: the role's rule.
    public var outputChannels: (@Sendable (_ arguments: [ArgValue], _ inputChannels: [Int]) throws(LayerError) -> Int)?
    /// Builds the layer from checked arguments. Must not allocate weights.
    public var make: @Sendable (LayerArguments, ModelContext) throws(LayerError) -> any Layer

    public init(name: String, arguments: [ArgumentSpec], role: ChannelRole, summary: String,
                origin: String, variant: String? = nil, appendedArguments: Int = 0,
                prepare: (@Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void)? = nil,
                outputChannels: (@Sendable ([ArgValue], [Int]) throws(LayerError) -> Int)? = nil,
                make: @escaping @Sendable (LayerArguments, ModelContext) throws(LayerError) -> any Layer) {
        self.name = name
        self.arguments = arguments
        self.role = role
        self.summary = summary
        self.origin = origin
        self.variant = variant
        self.appendedArguments = appendedArguments
        self.prepare = prepare
        self.outputChannels = outputChannels
        self.make = make
    }

    /// The arguments a YAML row writes, in its order: without the injected `c1` (and `n`)
    /// and without the arguments the model appends.
    public var writtenArguments: [ArgumentSpec] {
        let end = max(0, arguments.count - appendedArguments)
        switch role {
        case .convLike, .channelKeeping:
            return end > 1 ? Array(arguments[1..<end]) : []
        case .cspWithRepeats:
            guard end >= 2 else { return [] }
            return [arguments[1]] + (end > 3 ? Array(arguments[3..<end]) : [])
        case .concat, .head, .passthrough:
            return Array(arguments[0..<end])
        }
    }

    /// `[c2, k=1, s=1, ...]`: the YAML argument list with defaults, for help and messages.
    public var yamlSignature: String {
        "[" + writtenArguments.map(\.signatureText).joined(separator: ", ") + "]"
    }

    /// Fewest and most arguments a YAML row may write.
    public var yamlArity: ClosedRange<Int> {
        let written = writtenArguments
        return written.prefix { $0.defaultValue == nil }.count...written.count
    }
}
