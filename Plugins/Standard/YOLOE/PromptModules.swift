import LayerZoo
import ZooCPU

/// Ultralytics' `Residual(SwiGLUFFN(embed, embed))`, YOLOE's `reprta`: the re-parameterisable
/// text adapter that turns raw CLIP text features into prompt embeddings. Keys
/// `m.w12.{weight,bias}` [4·embed, embed], `m.w3.{weight,bias}` [embed, 2·embed]. Counted and
/// loaded; not run: LayerZoo takes the prompt embeddings as Ultralytics' `set_classes` stores
/// them (`pe`, already adapted), which is what its export runs on.
public final class TextPromptAdapter: Module {
    public let w12: Linear
    public let w3: Linear

    public init(_ gc: Int, _ ec: Int, e: Int = 4) throws(LayerError) {
        w12 = try Linear(gc, e * ec)
        w3 = try Linear(e * ec / 2, ec)
    }

    public var children: [(name: String, module: any Module)] { [("m", SwiGLUWeights(w12: w12, w3: w3))] }
}

/// The `m` of `Residual`: SwiGLUFFN's two linear layers.
final class SwiGLUWeights: Module {
    let w12: Linear
    let w3: Linear
    init(w12: Linear, w3: Linear) { (self.w12, self.w3) = (w12, w3) }
    var children: [(name: String, module: any Module)] { [("w12", w12), ("w3", w3)] }
}

/// Ultralytics' `SAVPE(ch, c3, embed)`, YOLOE's visual-prompt encoder (`savpe`): counted and
/// loaded so that checkpoints load and counts match, not run (LayerZoo takes no visual
/// prompts). Keys `cv1.<l>.{0,1}.*`, `cv2.<l>.0.*` (Convs), `cv3`, `cv4`, `cv5` (nn.Conv2d),
/// `cv6.{0,1}.*`.
public final class SAVPE: Module {
    public let cv1: [Sequential]
    public let cv2: [Sequential]
    public let cv3: Conv2d
    public let cv4: Conv2d
    public let cv5: Conv2d
    public let cv6: Sequential

    public init(_ ch: [Int], _ c3: Int, _ embed: Int, act: Activation = .silu) throws(LayerError) {
        let c = 16
        var first: [Sequential] = [], second: [Sequential] = []
        for x in ch {
            first.append(Sequential([try Conv(x, c3, k: IntOrPair(3), act: act), try Conv(c3, c3, k: IntOrPair(3), act: act)]))
            second.append(Sequential([try Conv(x, c3, k: IntOrPair(1), act: act)]))
        }
        cv1 = first
        cv2 = second
        cv3 = try Conv2d(3 * c3, embed, kernel: IntOrPair(1))
        cv4 = try Conv2d(3 * c3, c, kernel: IntOrPair(3), padding: IntOrPair(1))
        cv5 = try Conv2d(1, c, kernel: IntOrPair(3), padding: IntOrPair(1))
        cv6 = Sequential([try Conv(2 * c, c, k: IntOrPair(3), act: act), try Conv2d(c, c, kernel: IntOrPair(3), padding: IntOrPair(1))])
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", Sequential(cv1)), ("cv2", Sequential(cv2)), ("cv3", cv3), ("cv4", cv4), ("cv5", cv5), ("cv6", cv6)]
    }
}
