import LayerZoo
import LayerZooStandard
import ZooCPU

/// The community `Bottleneck_ScConv`: Ultralytics' Bottleneck whose cv2 is ScConv(c2).
/// cv1 = Conv(c1, c_, k[0]) with c_ = int(c2 · e); ScConv keeps channels, so it needs
/// c_ == c2, which holds for the e = 1.0 that C2f and C3 give their inner bottlenecks.
/// Residual when shortcut and c1 == c2. Keys `cv1.*`, `cv2.SRU.*`, `cv2.CRU.*`.
public final class BottleneckScConv: UnaryModule {
    public let cv1: Conv
    public let cv2: ScConv
    public let add: Bool

    /// `k` is cv1's kernel: 3 inside C2f (k=(3, 3)), 1 inside C3 (k=((1, 1), (3, 3))).
    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, k: Int = 3, e: Double = 1.0,
                act: Activation = .silu) throws(LayerError) {
        let hidden = ChannelReconstructionUnit.pythonInt(Double(c2) * e)
        guard hidden == c2 else {
            throw LayerError("Bottleneck_ScConv needs c_ = int(c2 × e) equal to c2 (ScConv keeps its channels), got \(hidden) and \(c2)")
        }
        cv1 = try Conv(c1, hidden, k: IntOrPair(k), s: IntOrPair(1), act: act)
        do throws(LayerError) {
            cv2 = try ScConv(c2)
        } catch {
            // The argument named is the inner ScConv's; the user controls it through c2.
            throw LayerError("the ScConv in each bottleneck gets \(c2) channels: \(error.message)", argument: "c2",
                             notes: error.notes + ["the bottlenecks run at the hidden width c = int(c2 × e) after scaling; ScConv uses its defaults there (group_num=16, group_size=2, squeeze_radio=2)"])
        }
        add = shortcut && c1 == c2
    }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let y = try cv2(try cv1(x, on: backend), on: backend)
        return add ? try backend.add(x, y) : y
    }
}
