import ZooCPU

/// Model-wide facts a layer may read while its arguments are prepared and it is built.
public struct ModelContext: Sendable {
    /// `nc` of the file (None when absent).
    public var nc: Int?
    /// The chosen scale letter, or "" when the file has no scales.
    public var scale: String
    public var depth: Double
    public var width: Double
    public var maxChannels: Double
    /// `reg_max` (default 16) and `end2end` (default False) from the file.
    public var regMax: Int
    public var end2end: Bool
    /// Activation that replaces SiLU in Ultralytics' Conv when the file sets `activation`.
    public var defaultActivation: Activation
    /// Flags layers leave for later layers, e.g. C3k2 marks the model as non-legacy so that
    /// Detect builds its newer classification branch (as `parse_model`'s `legacy` does).
    public var flags: Set<String>
    /// Which parse_model the file is written for.
    public var dialect: ModelDialect = .ultralytics
    /// The divisor scaled widths are rounded up to (`make_divisible(c * width, 8)`; the YOLOv5
    /// dialect's `channel_multiple`).
    public var channelDivisor: Int = 8
    /// The index of the layer being prepared and built, and the earlier layers it reads
    /// (absolute indices; -1 is the image).
    public var layerIndex = 0
    public var inputLayers: [Int] = []
    /// The channels of each of those inputs.
    public var inputChannels: [Int] = []
    /// The channel groups of earlier layers whose PyTorch output is a tuple of tensors
    /// (CBLinear's split), by layer index. Their value is the groups concatenated along the
    /// channels; only a definition that `readsOutputGroups` may read them.
    public var outputGroups: [Int: [Int]] = [:]

    public init(nc: Int? = 80, scale: String = "", depth: Double = 1, width: Double = 1,
                maxChannels: Double = .infinity, regMax: Int = 16, end2end: Bool = false,
                defaultActivation: Activation = .silu, flags: Set<String> = []) {
        self.nc = nc
        self.scale = scale
        self.depth = depth
        self.width = width
        self.maxChannels = maxChannels
        self.regMax = regMax
        self.end2end = end2end
        self.defaultActivation = defaultActivation
        self.flags = flags
    }
}

extension ModelContext {
    /// Set by layers that make `parse_model` build Detect in its current (non-legacy) form.
    public static let nonLegacyHead = "ultralytics.nonLegacyHead"
    /// Set by heads whose Ultralytics model class (ClassificationModel) does not run
    /// `initialize_weights`: the model keeps PyTorch's batch-norm eps of 1e-5.
    public static let keepsPyTorchBatchNormEps = "ultralytics.keepsPyTorchBatchNormEps"
}
