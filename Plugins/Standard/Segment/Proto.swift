import LayerZoo
import ZooCPU

/// Ultralytics' `Proto`: the mask prototypes of the Segment head, at twice the resolution of
/// its input (a learned 2× upsampling between 3×3 convs). Keys `cv1`, `upsample`, `cv2`, `cv3`.
public final class Proto: UnaryModule, MaskPrototypes {
    public let cv1: Conv
    public let upsample: ConvTranspose2d
    public let cv2: Conv
    public let cv3: Conv

    /// `Proto(c1, c_=256, c2=32)`.
    public init(_ c1: Int, _ c_: Int = 256, _ c2: Int = 32, act: Activation = .silu) throws(LayerError) {
        cv1 = try Conv(c1, c_, k: IntOrPair(3), act: act)
        upsample = try ConvTranspose2d(c_, c_, kernel: 2, stride: 2)
        cv2 = try Conv(c_, c_, k: IntOrPair(3), act: act)
        cv3 = try Conv(c_, c2, act: act)
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("upsample", upsample), ("cv2", cv2), ("cv3", cv3)]
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try cv3(try cv2(try upsample(try cv1(x, on: backend), on: backend), on: backend), on: backend)
    }
}

/// The prototype branch of a Segment head: reads the head's inputs, gives [N, nm, H, W].
public protocol MaskPrototypes: Module {
    func prototypes<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value
}

extension Proto {
    /// Proto reads the first (finest) level only.
    public func prototypes<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard let first = inputs.first else { throw LayerError("Proto needs an input") }
        return try self(first, on: backend)
    }
}

/// YOLO26's `Proto26(ch, c_=256, c2=32, nc=80)`: every coarser level, projected to the finest
/// level's channels (`feat_refine`) and upsampled to it (nearest), is added to the finest
/// level; `feat_fuse` then feeds Proto's layers (its `cv1` reads c_ channels). `semseg`, a
/// training-only semantic branch, is built, loaded and counted but never run; weights without
/// it (what Ultralytics' `Proto26.fuse` leaves, e.g. in a prompt-free YOLOE) drop it.
public final class Proto26: MaskPrototypes, StateDictAdapting {
    public let cv1: Conv
    public let upsample: ConvTranspose2d
    public let cv2: Conv
    public let cv3: Conv
    public let featRefine: [Conv]
    public let featFuse: Conv
    public let semseg: Sequential
    public private(set) var keepsSemseg = true

    public init(_ ch: [Int], _ c_: Int = 256, _ c2: Int = 32, nc: Int = 80, act: Activation = .silu) throws(LayerError) {
        guard let c0 = ch.first else { throw LayerError("Proto26 needs at least one input level") }
        cv1 = try Conv(c_, c_, k: IntOrPair(3), act: act)
        upsample = try ConvTranspose2d(c_, c_, kernel: 2, stride: 2)
        cv2 = try Conv(c_, c_, k: IntOrPair(3), act: act)
        cv3 = try Conv(c_, c2, act: act)
        var refine: [Conv] = []
        for x in ch.dropFirst() { refine.append(try Conv(x, c0, act: act)) }
        featRefine = refine
        featFuse = try Conv(c0, c_, k: IntOrPair(3), act: act)
        semseg = Sequential([try Conv(c0, c_, k: IntOrPair(3), act: act), try Conv(c_, c_, k: IntOrPair(3), act: act),
                             try Conv2d(c_, nc, kernel: IntOrPair(1))])
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("upsample", upsample), ("cv2", cv2), ("cv3", cv3), ("feat_refine", Sequential(featRefine)),
         ("feat_fuse", featFuse)] + (keepsSemseg ? [("semseg", semseg)] : [])
    }

    public func adapt(to source: any TensorSource, prefix: String) -> Set<String> {
        keepsSemseg = source.tensorInfo(prefix + "semseg.0.conv.weight") != nil
        return []
    }

    public func prototypes<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard var feat = inputs.first, inputs.count == featRefine.count + 1 else {
            throw LayerError("Proto26 was built for \(featRefine.count + 1) levels but receives \(inputs.count)")
        }
        for (i, refine) in featRefine.enumerated() {
            let up = try backend.upsampleNearest(try refine(inputs[i + 1], on: backend), scale: 1 << (i + 1))
            feat = try backend.add(feat, up)
        }
        let x = try featFuse(feat, on: backend)
        return try cv3(try cv2(try upsample(try cv1(x, on: backend), on: backend), on: backend), on: backend)
    }
}
