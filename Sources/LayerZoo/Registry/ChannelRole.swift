/// How `parse_model` derives a layer's channels and rewrites its arguments.
///
/// Ultralytics hard-codes these roles in sets inside `parse_model`; in LayerZoo each layer
/// declares its own, so adding a layer never means editing the core.
public enum ChannelRole: String, Sendable, Hashable, CaseIterable {
    /// `c1 = ch[from]`, `c2 = make_divisible(min(args[0], max_channels) * width, 8)`,
    /// arguments become `[c1, c2, *args[1:]]` (Conv, SPPF, the seed convolutions).
    case convLike = "conv-like"
    /// As `convLike`, and the (depth-scaled) repeats are inserted as the third argument;
    /// the layer is built once (C2f, C3, C3k2, C2PSA and their variants).
    case cspWithRepeats = "csp-with-repeats"
    /// Output channels equal input channels, which are put first: `[c1, *args]` (ScConv).
    case channelKeeping = "channel-keeping"
    /// Output channels are the sum of the inputs' (Concat).
    case concat
    /// A multi-input head: `[*args, ch[f] for f in from]` (Detect).
    case head
    /// Output channels equal input channels; arguments as written (nn.Upsample).
    case passthrough

    /// Arguments the core inserts in front of the YAML arguments.
    var injectedInFront: Int {
        switch self {
        case .convLike, .channelKeeping: return 1
        case .cspWithRepeats: return 2
        case .concat, .head, .passthrough: return 0
        }
    }

    /// True when the layer reads several earlier layers (`from` may be a list).
    public var acceptsSeveralInputs: Bool { self == .concat || self == .head }
}
