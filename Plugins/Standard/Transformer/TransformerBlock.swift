import LayerZoo
import ZooCPU

/// Ultralytics' `TransformerLayer(c, num_heads)` (LayerNorm removed for speed, as there) on
/// `[L, N, C]`: `x = ma(q(x), k(x), v(x)) + x; fc2(fc1(x)) + x`. Keys `q.weight`, `k.weight`,
/// `v.weight`, `ma.*`, `fc1.weight`, `fc2.weight`.
public final class TransformerLayer: UnaryModule {
    public let q: Linear
    public let k: Linear
    public let v: Linear
    public let ma: MultiheadAttention
    public let fc1: Linear
    public let fc2: Linear

    public init(_ c: Int, numHeads: Int) throws(LayerError) {
        q = try Linear(c, c, bias: false)
        k = try Linear(c, c, bias: false)
        v = try Linear(c, c, bias: false)
        ma = try MultiheadAttention(embedDim: c, numHeads: numHeads)
        fc1 = try Linear(c, c, bias: false)
        fc2 = try Linear(c, c, bias: false)
    }

    public var children: [(name: String, module: any Module)] {
        [("q", q), ("k", k), ("v", v), ("ma", ma), ("fc1", fc1), ("fc2", fc2)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let d = backend.dims(x)
        guard d.count == 3 else { throw LayerError("a transformer layer expects [L, N, C], got \(Shape.text(d))") }
        let rows = try backend.reshape(x, [d[0] * d[1], d[2]])
        func linear(_ m: Linear, _ y: B.Value) throws(LayerError) -> B.Value {
            try backend.reshape(try m(try backend.reshape(y, [d[0] * d[1], d[2]]), on: backend), d)
        }
        let attended = try backend.add(try ma(try linear(q, rows), try linear(k, rows), try linear(v, rows), on: backend), x)
        return try backend.add(try linear(fc2, try linear(fc1, attended)), attended)
    }
}

/// Ultralytics' `TransformerBlock(c1, c2, num_heads, num_layers)` (ViT-style, as C3TR uses it):
/// an optional Conv to c2, the pixels as a sequence plus a learned position embedding
/// (`linear`), `num_layers` TransformerLayers, back to [N, c2, H, W]. Keys `conv.*` (c1 ≠ c2),
/// `linear.*`, `tr.<j>.*`.
public final class TransformerBlock: UnaryModule {
    public let conv: Conv?
    public let linear: Linear
    public let tr: Sequential
    public let c2: Int

    public init(_ c1: Int, _ c2: Int, numHeads: Int, numLayers: Int, act: Activation = .silu) throws(LayerError) {
        conv = c1 != c2 ? try Conv(c1, c2, act: act) : nil
        linear = try Linear(c2, c2)
        var layers: [any UnaryModule] = []
        for _ in 0..<numLayers { layers.append(try TransformerLayer(c2, numHeads: numHeads)) }
        tr = Sequential(layers)
        self.c2 = c2
    }

    public var children: [(name: String, module: any Module)] {
        (conv.map { [("conv", $0 as any Module)] } ?? []) + [("linear", linear), ("tr", tr)]
    }

    public func callAsFunction<B: Backend>(_ input: B.Value, on backend: B) throws(LayerError) -> B.Value {
        let x = try conv.map { (c) throws(LayerError) in try c(input, on: backend) } ?? input
        let d = backend.dims(x)
        guard d.count == 4, d[1] == c2 else { throw LayerError("a transformer block expects [N, \(c2), H, W], got \(Shape.text(d))") }
        let (n, h, w) = (d[0], d[2], d[3])
        // x.flatten(2).permute(2, 0, 1): [N, C, H·W] → [H·W, N, C]
        let p = try backend.transpose(try backend.transpose(try backend.reshape(x, [n, c2, h * w]), 0, 2), 1, 2)
        let embedded = try backend.reshape(try linear(try backend.reshape(p, [h * w * n, c2]), on: backend), [h * w, n, c2])
        let y = try tr(try backend.add(p, embedded), on: backend)
        // .permute(1, 2, 0).reshape(N, C, H, W)
        return try backend.reshape(try backend.transpose(try backend.transpose(y, 0, 1), 1, 2), [n, c2, h, w])
    }
}

extension C3 {
    /// Ultralytics' `C3TR(c1, c2, n=1, shortcut=True, g=1, e=0.5)`: a C3 whose inner block is
    /// one TransformerBlock(c_, c_, 4, n). Keys `cv1.*`, `cv2.*`, `cv3.*`, `m.linear.*`, `m.tr.<j>.*`.
    static let transformerDefinition = cspDefinition(
        name: "C3TR", summary: "C3 with a transformer block (4 heads, n layers)", origin: StandardLayers.origin,
        shortcut: true, block: nil) { (c1, c2, n, _, _, e, act, _) throws(LayerError) in
            try C3(c1, c2, e: e, act: act) { c_ throws(LayerError) in try TransformerBlock(c_, c_, numHeads: 4, numLayers: n, act: act) }
        }
}
