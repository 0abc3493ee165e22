import LayerZoo
import ZooCPU

/// Ultralytics' `Conv2(c1, c2, k=3, s=1, p=None, g=1, d=1, act=True)`: a Conv with a parallel
/// 1×1 convolution, `act(bn(conv(x) + cv2(x)))`. Keys `conv.weight`, `bn.*`, `cv2.weight`.
///
/// Deploys in two stages, as Ultralytics' `fuse()` does: `fuse_convs` adds the 1×1 kernel to
/// the centre of the k×k one and drops `cv2` (a reparameterisation: `fuse --reparam-only`
/// writes `conv.weight` + `bn.*`), then the batch norm is folded (`conv.weight` +
/// `conv.bias`). Every form loads. Whatever the form, preparation merges the branches and the
/// batch norm into one k×k convolution with bias, which the CPU backend runs; `runsBranches`
/// runs the two convolutions as PyTorch's forward does (for checking the merge).
///
/// parse_model gives Conv2 no channel rule: the row writes `[c1, c2, ...]` itself and the next
/// layer is told c1 channels.
public final class Conv2: UnaryLayer, Fusable, StateDictAdapting {
    public private(set) var conv: Conv2d
    public private(set) var cv2: Conv2d?
    public private(set) var bn: BatchNorm2d?
    public let act: Activation
    /// Runs the training form's two convolutions instead of the merged one.
    public var runsBranches = false
    private let training: (conv: Conv2d, cv2: Conv2d, bn: BatchNorm2d)
    /// The training form merged into one convolution with bias, set by preparation.
    private var merged: Conv2d?

    public init(_ c1: Int, _ c2: Int, k: IntOrPair = IntOrPair(3), s: IntOrPair = IntOrPair(1), p: IntOrPair? = nil,
                g: Int = 1, d: IntOrPair = IntOrPair(1), act: Activation = .silu) throws(LayerError) {
        let conv = try Conv2d(c1, c2, kernel: k, stride: s, padding: autopad(k, p, dilation: d), dilation: d, groups: g, bias: false)
        let cv2 = try Conv2d(c1, c2, kernel: IntOrPair(1), stride: s, padding: autopad(IntOrPair(1), p, dilation: d),
                             dilation: d, groups: g, bias: false)
        let bn = BatchNorm2d(c2)
        (self.conv, self.cv2, self.bn) = (conv, cv2, bn)
        training = (conv, cv2, bn)
        self.act = act
    }

    public var children: [(name: String, module: any Module)] {
        [("conv", conv as any Module)] + (bn.map { [("bn", $0 as any Module)] } ?? [])
            + (cv2.map { [("cv2", $0 as any Module)] } ?? [])
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        guard let bn else { return try backend.convAct(x, conv, act) }
        guard let cv2 else { return try backend.convBNAct(x, conv, bn, act) }
        if !runsBranches, backend.runsFoldedForms, let merged { return try backend.convAct(x, merged, act) }
        let sum = try backend.add(try backend.conv2d(x, conv), try backend.conv2d(x, cv2))
        return try backend.activation(try backend.batchNorm2d(sum, bn), act)
    }

    public func prepareForInference() throws(LayerError) {
        merged = nil
        guard let cv2, let bn, conv.weight.value != nil, cv2.weight.value != nil else { return }
        let single = try merging(cv2, into: conv).folding(bn)
        _ = try single.prepared(foldingIn: nil)
        merged = single
    }

    public var fusion: FusionKind { cv2 == nil ? .batchNorm : .reparameterization }
    public var isDeployed: Bool { cv2 == nil && bn == nil }

    public func fuse() throws(LayerError) {
        if let cv2 {
            conv = try merging(cv2, into: conv)
            self.cv2 = nil
            merged = nil
        } else if let bn {
            conv = try conv.folding(bn)
            self.bn = nil
        }
    }

    /// `conv` with the 1×1 kernel of `branch` added at its centre (`fuse_convs`).
    private func merging(_ branch: Conv2d, into conv: Conv2d) throws(LayerError) -> Conv2d {
        let merged = try Conv2d(conv.inChannels, conv.outChannels, kernel: conv.kernel, stride: conv.stride, padding: conv.padding,
                                dilation: conv.dilation, groups: conv.groups, bias: false)
        guard let w = conv.weight.value, let b = branch.weight.value else { return merged }
        let out = try LayerError.fromBackend { () throws(BackendError) in try Tensor(shape: w.shape, data: w.toArray()) }
        let (kh, kw) = (conv.kernel.h, conv.kernel.w)
        let centre = (kh / 2) * kw + kw / 2
        for i in 0..<b.count { out.pointer[i * kh * kw + centre] += b.pointer[i] }
        merged.weight.value = out
        return merged
    }

    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        merged = nil
        let hasBN = self.source(source, has: "bn.weight", prefix: prefix)
        if !hasBN, self.source(source, has: "conv.bias", prefix: prefix) {
            if let deployed = try? training.conv.withBias() { (conv, cv2, bn) = (deployed, nil, nil) }
        } else if self.source(source, has: "cv2.weight", prefix: prefix) || !hasBN {
            (conv, cv2, bn) = (training.conv, training.cv2, training.bn)
        } else {
            (conv, cv2, bn) = (training.conv, nil, training.bn)
        }
        return []
    }

    static let definition = LayerDefinition(
        name: "Conv2",
        arguments: ArgumentSpec.convolution(kernel: .int(3)) + [ArgumentSpec("act", .bool, default: .bool(true))],
        role: .passthrough,
        summary: "Conv with a parallel 1×1 branch, merged into one k×k convolution by fuse",
        origin: StandardLayers.origin,
        make: { args, context throws(LayerError) in
            try Conv2(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"),
                      p: args.optionalIntOrPair("p"), g: args.int("g"), d: args.intOrPair("d"),
                      act: args.bool("act") ? context.defaultActivation : .identity)
        })
}
