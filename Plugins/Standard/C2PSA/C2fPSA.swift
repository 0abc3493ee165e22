import LayerZoo
import ZooCPU

/// Ultralytics' `C2fPSA(c1, c2, n=1, e=0.5)`: a C2f whose blocks are PSABlocks (every block's
/// output kept); requires c1 == c2. Keys `cv1.*`, `cv2.*`, `m.<j>.{attn,ffn}.*`.
public enum C2fPSA {
    public static func make(_ c1: Int, _ c2: Int, n: Int = 1, e: Double = 0.5, act: Activation = .silu) throws(LayerError) -> C2f {
        guard c1 == c2 else {
            throw LayerError("C2fPSA keeps its channel count: input has \(c1) channels but output would have \(c2)",
                             argument: "c2", notes: ["Ultralytics asserts c1 == c2 here; make the first argument match the input's (scaled) channels"])
        }
        return try C2f(c1, c2, n: n, e: e, act: act) { (c, _, _, _) throws in
            try PSABlock(c, attnRatio: 0.5, numHeads: max(c / 64, 1), act: act)
        }
    }

    static let definition = LayerDefinition(
        name: "C2fPSA",
        arguments: [
            ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels), ArgumentSpec("n", .int(1...1000), default: .int(1)),
            ArgumentSpec("e", .float(0.0...8.0), default: .float(0.5)),
        ],
        role: .cspWithRepeats,
        summary: "C2f with position-sensitive attention blocks; keeps channels",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try C2fPSA.make(args.int("c1"), args.int("c2"), n: args.int("n"), e: args.float("e"), act: context.defaultActivation)
        })
}
