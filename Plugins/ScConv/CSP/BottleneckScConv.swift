import LayerZoo
import LayerZooStandard
import ZooCPU

/// The community `Bottleneck_ScConv`: Ultralytics' Bottleneck whose cv2 is ScConv(c2).
/// cv1 = Conv(c1, c_, k[0]) with c_ = int(c2 · e); ScConv keeps channels, so it needs
/// c_ == c2, which holds for the e = 1.0 that C2f and C3 give their inner bottlenecks.
/// Residual when shortcut and c1 == c2. Keys `cv1.*`, `cv2.SRU.*`, `cv2.CRU.*`.
public typealias BottleneckScConv = ResidualBottleneck<Conv, ScConv>

extension ResidualBottleneck where First == Conv, Second == ScConv {
    /// `k` is cv1's kernel: 3 inside C2f (k=(3, 3)), 1 inside C3 (k=((1, 1), (3, 3))).
    public convenience init(_ c1: Int, _ c2: Int, shortcut: Bool = true, k: Int = 3, e: Double = 1.0,
                            act: Activation = .silu) throws(LayerError) {
        try self.init(c1, c2, shortcut: shortcut, e: e,
                      cv1: { a, hidden throws(LayerError) in
                          guard hidden == c2 else {
                              throw LayerError("Bottleneck_ScConv needs c_ = int(c2 × e) equal to c2 (ScConv keeps its channels), got \(hidden) and \(c2)")
                          }
                          return try Conv(a, hidden, k: IntOrPair(k), s: IntOrPair(1), act: act)
                      },
                      cv2: { _, b throws(LayerError) in
                          do throws(LayerError) {
                              return try ScConv(b)
                          } catch {
                              // The argument named is the inner ScConv's; the user controls it through c2.
                              throw LayerError("the ScConv in each bottleneck gets \(b) channels: \(error.message)", argument: "c2",
                                               notes: error.notes + ["the bottlenecks run at the hidden width c = int(c2 × e) after scaling; ScConv uses its defaults there (group_num=16, group_size=2, squeeze_radio=2)"])
                          }
                      })
    }
}
