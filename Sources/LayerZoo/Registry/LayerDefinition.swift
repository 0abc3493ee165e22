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
    /// The model-file dialect this definition belongs to (`"yolov5"` for the original YOLOv5
    /// repository's anchor-based `Detect`); nil for the Ultralytics meaning. A dialect's
    /// definition is used only for files in that dialect, where it takes precedence.
    public var dialect: String?
    /// Conv-like layers whose output is a multiple of their `c2` (yolo-Ui_framework's
    /// DySnakeConv concatenates three `c2`-wide branches: its parse_model sets `c2 = c2 * 3`).
    public var outputChannelMultiplier = 1
    /// Passthrough layers whose output channels follow from their input's and their written
    /// arguments (YOLOv5's Contract: c1·gain², Expand: c1 / gain²); nil keeps c1.
    public var passthroughChannels: (@Sendable (Int, [ArgValue]) throws(LayerError) -> Int)?
    /// Trailing arguments that the model supplies, never the YAML (Detect's `reg_max`,
    /// `end2end` and `ch`).
    public var appendedArguments: Int
    /// Runs after the channel rules, before type checks: the place for rules such as
    /// "C3k2 at scale m/l/x forces c3k" or "Detect receives reg_max and end2end".
    public var prepare: (@Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void)?
    /// Output channels when the role's rule does not give them, from the checked arguments and
    /// the inputs' channels (CBFuse: its last input's).
    public var outputChannels: (@Sendable (LayerArguments, [Int]) throws(LayerError) -> Int)?
    /// For a layer whose PyTorch output is a tuple of tensors (CBLinear): each one's channels,
    /// from the checked arguments. The layer's value is their concatenation along the channels
    /// (so its channels are their sum), recorded in `ModelContext.outputGroups`.
    public var outputGroups: (@Sendable (LayerArguments) throws(LayerError) -> [Int])?
    /// True when the layer may read tuple outputs (CBFuse); any other layer reading one is an
    /// error, as in PyTorch.
    public var readsOutputGroups = false
    /// parse_model's own output-channel rule on the arguments as written, when its role's is not it
    /// (ResNetLayer: `args[1]`, or `4 * args[1]` unless `is_first`): given the arguments after
    /// the channel rules and `prepare`, and the input channels. Nil: the role's rule.
    public var writtenOutputChannels: (@Sendable (_ arguments: [ArgValue], _ inputChannels: [Int]) throws(LayerError) -> Int)?
    /// Where parse_model inserts the (depth-scaled) repeats into a layer's arguments after its
    /// role's channel rule, building the layer once (HGBlock: `args.insert(4, n)`). As Python's
    /// `insert`, past the end appends. Nil: the role decides (only `cspWithRepeats` inserts).
    public var repeatsArgumentIndex: Int?
    /// Builds the layer from checked arguments. Must not allocate weights.
    public var make: @Sendable (LayerArguments, ModelContext) throws(LayerError) -> any Layer

    public init(name: String, arguments: [ArgumentSpec], role: ChannelRole, summary: String,
                origin: String, variant: String? = nil, dialect: String? = nil, appendedArguments: Int = 0,
                prepare: (@Sendable (inout [ArgValue], inout ModelContext) throws(LayerError) -> Void)? = nil,
                writtenOutputChannels: (@Sendable ([ArgValue], [Int]) throws(LayerError) -> Int)? = nil,
                make: @escaping @Sendable (LayerArguments, ModelContext) throws(LayerError) -> any Layer) {
        self.name = name
        self.arguments = arguments
        self.role = role
        self.summary = summary
        self.origin = origin
        self.variant = variant
        self.dialect = dialect
        self.appendedArguments = appendedArguments
        self.prepare = prepare
        self.writtenOutputChannels = writtenOutputChannels
        self.make = make
    }

    /// The arguments a YAML row writes, in its order: without the injected `c1` (and `n`)
    /// and without the arguments the model appends.
    public var writtenArguments: [ArgumentSpec] {
        let end = max(0, arguments.count - appendedArguments)
        if let at = repeatsArgumentIndex, role != .cspWithRepeats, at < end {
            var copy = self
            copy.arguments.remove(at: at)
            copy.repeatsArgumentIndex = nil
            copy.appendedArguments = appendedArguments
            return copy.writtenArguments
        }
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
