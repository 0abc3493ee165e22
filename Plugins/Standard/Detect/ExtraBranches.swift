import LayerZoo

extension Detect {
    /// The per-level branch a task head adds beside Detect's box and class branches (`cv4`:
    /// Segment's mask coefficients, Pose's keypoints, OBB's angles): Conv 3×3 → Conv 3×3 →
    /// a 1×1 `nn.Conv2d` to `channels`, at `c4 = max(ch[0] // 4, channels)` hidden channels.
    static func extraBranches(ch: [Int], channels: Int, act: Activation) throws(LayerError) -> [Sequential] {
        let c4 = max((ch.first ?? 0) / 4, channels)
        var out: [Sequential] = []
        for x in ch {
            out.append(Sequential([try Conv(x, c4, k: IntOrPair(3), act: act), try Conv(c4, c4, k: IntOrPair(3), act: act),
                                   try Conv2d(c4, channels, kernel: IntOrPair(1))]))
        }
        return out
    }
}
