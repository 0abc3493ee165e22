/// Module names that exist in Ultralytics or in well-known community YOLO repositories but
/// that LayerZoo does not provide: an unknown name found here gets a message saying what it
/// is, instead of a "did you mean" pointing at a different layer (DWConv is not ScConv).
///
/// The model builder consults this table only for names the registry lacks, so a plugin that
/// adds one of these layers simply takes precedence.
public enum KnownModules {
    /// Where a known module comes from, as the message names it.
    public struct Entry: Sendable, Hashable {
        /// "Ultralytics' DWConv (ultralytics.nn.modules)", "a community module (Slim-neck)".
        public var origin: String
        /// An extra hint: what LayerZoo has instead, or how to get the layer.
        public var hint: String?
        /// "not supported yet", or what else keeps the layer out.
        public var verdict: String = "not supported yet"
        /// True for a rule rather than a listed name (any `nn.*`): a close registered name,
        /// such as a misspelt nn.Upsample, is then the likelier meaning.
        public var isGeneric = false
    }

    /// What `name` is, when it is a known module that LayerZoo lacks (nil otherwise).
    public static func lookup(_ name: String) -> Entry? {
        if let entry = special[name] { return entry }
        if ultralytics.contains(name) { return Entry(origin: "Ultralytics' \(name) (ultralytics.nn.modules)") }
        if let project = community[name] { return Entry(origin: "a community module (\(project))") }
        if name.hasPrefix("nn.") || name.hasPrefix("torch.nn.") {
            return Entry(origin: "the PyTorch module \(name)", hint: "LayerZoo has these torch.nn modules: nn.Upsample, nn.MaxPool2d, nn.AvgPool2d, nn.ZeroPad2d, nn.ConvTranspose2d, nn.BatchNorm2d, nn.Identity, nn.Dropout, nn.Dropout2d and the activations nn.ReLU, nn.ReLU6, nn.SiLU, nn.GELU, nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.Mish, nn.LeakyReLU",
                         isGeneric: true)
        }
        return nil
    }

    /// The public module names of `ultralytics.nn.modules` (its `__all__`, Ultralytics 8.4).
    public static let ultralytics: Set<String> = [
        "AIFI", "C1", "C2", "C2PSA", "C3", "C3TR", "CBAM", "CIB", "DFL", "ELAN1", "MLP", "OBB", "OBB26", "PSA", "SPP",
        "SPPELAN", "SPPF", "A2C2f", "AConv", "ADown", "Attention", "BNContrastiveHead", "Bottleneck", "BottleneckCSP",
        "C2f", "C2fAttn", "C2fCIB", "C2fPSA", "C3Ghost", "C3k2", "C3x", "CBFuse", "CBLinear", "ChannelAttention",
        "Classify", "Concat", "ContrastiveHead", "Conv", "Conv2", "ConvTranspose", "DWConv", "DWConvTranspose2d",
        "DeformableTransformerDecoder", "DeformableTransformerDecoderLayer", "Depth", "Detect", "Focus",
        "GhostBottleneck", "GhostConv", "HGBlock", "HGStem", "ImagePoolingAttn", "Index", "LRPCHead", "LayerNorm2d",
        "LightConv", "MLPBlock", "MSDeformAttn", "MaxSigmoidAttnBlock", "Pose", "Pose26", "Proto", "RTDETRDecoder",
        "RepC3", "RepConv", "RepNCSPELAN4", "RepVGGDW", "ResNetLayer", "SCDown", "Segment", "Segment26",
        "SemanticSegment", "SpatialAttention", "TorchVision", "TransformerBlock", "TransformerEncoderLayer",
        "TransformerLayer", "WorldDetect", "YOLOEDetect", "YOLOESegment", "YOLOESegment26", "v10Detect",
        // parse_model also accepts these names, which live outside __all__.
        "C3k", "PSABlock", "ABlock", "AAttn",
    ]

    /// Community modules seen in public YOLO repositories (see ../shared/corpus), by the
    /// project or paper they come from.
    public static let community: [String: String] = [
        "VoVGSCSPC": "Slim-neck", "GSBottleneck": "Slim-neck",
        "BiFPN_Concat2": "BiFPN weighted feature fusion",
        "BiFPN_Concat3": "BiFPN weighted feature fusion",
        "SimFusion_3in": "Gold-YOLO", "SimFusion_4in": "Gold-YOLO", "IFM": "Gold-YOLO",
        "InjectionMultiSum_Auto_pool": "Gold-YOLO", "PyramidPoolAgg": "Gold-YOLO", "TopBasicLayer": "Gold-YOLO",
        "AdvPoolFusion": "Gold-YOLO",
        "CARAFE": "CARAFE (content-aware upsampling)", "SimAM": "SimAM (parameter-free attention)",
        "LSKA": "LSKA (large separable kernel attention)", "LSKBlock": "LSKNet",
        "iRMB": "EMO (inverted residual mobile block)", "VanillaBlock": "VanillaNet", "VanillaStem": "VanillaNet",
        "CReToNeXt": "CReToNeXt", "Decoupled_Detect": "YOLOv6/YOLOX-style decoupled heads",
        "C2PSA_SENetV2": "SENetV2 attention in C2PSA",
        "C3k2_WTConv": "WTConv (wavelet convolutions)", "WTConv2d": "WTConv (wavelet convolutions)",
        "DynamicConv": "a dynamic convolution, not LayerZoo's Dynamic_conv2d",
        "DSConv_C2f": "Dynamic Snake Convolution from DSCNet, not LayerZoo's DSConv2D",
        "DetectDBB": "a detection head built of DiverseBranchBlocks",
        "CBAM": "CBAM attention", "SE": "squeeze-and-excitation attention", "ECA": "ECA-Net attention",
        "CoordAtt": "coordinate attention", "EMA": "efficient multi-scale attention",
        "BiLevelRoutingAttention": "BiFormer", "ODConv2d": "omni-dimensional dynamic convolution",
        "DCNv2": "deformable convolution v2", "DCNv3": "InternImage (DCNv3)", "RepViTBlock": "RepViT",
        "MobileNetV3": "MobileNetV3 backbones", "ShuffleNetV2": "ShuffleNetV2 backbones",
        "C2f_Faster": "FasterNet", "FasterNetBlock": "FasterNet", "ASFF": "ASFF (adaptively spatial feature fusion)",
    ]

    /// Entries that need their own hint.
    static let special: [String: Entry] = [
        "SqueezeExcite": Entry(origin: "LayerZoo's example plugin SqueezeExcite (Plugins/Examples/SqueezeExcite)",
                               hint: "build it with scripts/build-plugin.sh Plugins/Examples/SqueezeExcite libSqueezeExcite.so and pass --plugin ./libSqueezeExcite.so",
                               verdict: "which is not built in: load its plugin"),
        "C3k2_DynamicConv": Entry(origin: "a community module (a C3k2 variant of Dynamic_conv2d)",
                                  hint: "LayerZoo has C2f_DynamicConv and C3_DynamicConv"),
        "DSConv": Entry(origin: "a community module (Dynamic Snake Convolution from DSCNet)",
                        hint: "LayerZoo's DSConv2D is the distribution-shift convolution, a different layer"),
    ]
}
