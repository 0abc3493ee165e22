import LayerZoo
import ZooCPU

/// The original YOLOv5 repository's `Detect(nc=80, anchors=(), ch=())`: per level one 1×1
/// convolution to `na · (nc + 5)` channels, decoded against anchors in export form
/// (`model.model[-1].export = True`, what its ONNX export gives): output [N, Σ na·h·w, 5 + nc]
/// of x, y, w, h in pixels, objectness, class scores.
///
/// Keys `anchors` (a buffer [nl, na, 2], in grid cells: the config's pixels divided by each
/// level's stride, as `DetectionModel.__init__` leaves it) and `m.<i>.weight`/`m.<i>.bias`.
/// The strides come from a trace at 256×256 and the anchor order is checked against them
/// (`check_anchor_order`), as that repository does.
public final class AnchorDetect: Layer, StrideConsumer, AdjustsSeededWeights {
    public let nc: Int
    /// Anchors per level.
    public let na: Int
    /// Outputs per anchor: 5 + nc (+ masks in Segment).
    public let no: Int
    public let m: [Conv2d]
    public let anchors: Parameter
    /// The anchors as the file writes them, in pixels, [nl][na][2] flattened.
    public let configAnchors: [Float]
    public private(set) var stride: [Double]
    /// What the anchors buffer holds once strides are known and no weights are loaded.
    private var anchorCells: [Float]
    /// The buffer's values the forward pass uses (set at load time).
    private var runAnchors: [Float]?

    /// Levels and anchors per level most a head may have.
    public static let maxLevels = 16
    public static let maxAnchorsPerLevel = 64

    public init(nc: Int, anchors: [[Double]], ch: [Int], extraOutputs: Int = 0) throws(LayerError) {
        guard !ch.isEmpty else { throw LayerError("Detect needs at least one input layer", argument: "ch") }
        guard anchors.count == ch.count else {
            throw LayerError("Detect has \(anchors.count) anchor level\(anchors.count == 1 ? "" : "s") but reads \(ch.count) layer\(ch.count == 1 ? "" : "s"); give one [w, h, ...] list per input",
                             argument: "anchors")
        }
        guard let first = anchors.first, first.count >= 2, first.count % 2 == 0,
              first.count / 2 <= Self.maxAnchorsPerLevel, anchors.allSatisfy({ $0.count == first.count }) else {
            throw LayerError("anchors must be lists of equal, even length (w, h pairs, at most \(Self.maxAnchorsPerLevel) per level), found lengths \(anchors.map(\.count))",
                             argument: "anchors")
        }
        guard anchors.allSatisfy({ $0.allSatisfy { $0.isFinite && abs($0) <= 1e6 } }) else {
            throw LayerError("anchor sizes must be finite numbers of pixels (at most 1e6)", argument: "anchors")
        }
        self.nc = nc
        na = first.count / 2
        no = nc + 5 + extraOutputs
        let (width, overflow) = no.multipliedReportingOverflow(by: na)
        guard !overflow, width <= 65_536 else {
            throw LayerError("Detect's output convolutions would have \(na) × \(no) channels, more than 65536", argument: "nc")
        }
        var convs: [Conv2d] = []
        for c in ch { convs.append(try Conv2d(c, width, kernel: IntOrPair(1))) }
        m = convs
        configAnchors = anchors.flatMap { $0.map { Float($0) } }
        anchorCells = configAnchors
        self.anchors = Parameter([anchors.count, na, 2], role: .buffer)
        stride = Array(repeating: 0, count: ch.count)
    }

    public var nl: Int { m.count }

    public var tensors: [(name: String, parameter: Parameter)] { [("anchors", anchors)] }
    public var children: [(name: String, module: any Module)] { [("m", Sequential(m))] }

    /// Strides (from the 256×256 trace), then `check_anchor_order` and `anchors /= stride`.
    public func setInputStrides(_ strides: [Double]) {
        stride = strides
        var cells = configAnchors
        let perLevel = 2 * na
        func meanArea(_ level: Int) -> Float {
            var sum: Float = 0
            for a in 0..<na { sum += configAnchors[level * perLevel + 2 * a] * configAnchors[level * perLevel + 2 * a + 1] }
            return sum / Float(na)
        }
        let da = meanArea(nl - 1) - meanArea(0)
        let ds = (strides.last ?? 0) - (strides.first ?? 0)
        func sign(_ x: Double) -> Int { x > 0 ? 1 : x < 0 ? -1 : 0 }
        if da != 0, sign(Double(da)) != sign(ds) {
            for level in 0..<nl {
                let source = nl - 1 - level
                for j in 0..<perLevel { cells[level * perLevel + j] = configAnchors[source * perLevel + j] }
            }
        }
        for level in 0..<nl {
            let s = Float(level < strides.count ? strides[level] : 0)
            // A level the 256×256 trace could not reach has no stride; its anchors stay in pixels.
            guard s > 0, s.isFinite else { continue }
            for j in 0..<perLevel { cells[level * perLevel + j] /= s }
        }
        anchorCells = cells
    }

    /// Seeded weights: the anchors buffer is not a weight; it holds what the config gives.
    public func adjustSeededWeights() throws(LayerError) {
        let t = try LayerError.backendCall { () throws(BackendError) in try Tensor.uninitialized(shape: anchors.shape) }
        for (i, v) in anchorCells.enumerated() where i < t.count { t.pointer[i] = v }
        anchors.value = t
    }

    public func prepareForInference() throws(LayerError) {
        guard let t = anchors.value else { runAnchors = nil; return }
        guard t.count == anchorCells.count else {
            throw LayerError("the anchors buffer has \(t.count) values; this head needs \(anchorCells.count)")
        }
        var values: [Float] = []
        values.reserveCapacity(t.count)
        for i in 0..<t.count {
            guard t.pointer[i].isFinite else { throw LayerError("the anchors buffer holds a non-finite value at \(i)") }
            values.append(t.pointer[i])
        }
        runAnchors = values
    }

    /// The per-level 1×1 convolution outputs, [N, na·no, h, w] each.
    public func levelOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value] {
        guard inputs.count == m.count else {
            throw LayerError("Detect was built for \(m.count) inputs but receives \(inputs.count)")
        }
        var outputs: [B.Value] = []
        for (i, x) in inputs.enumerated() { outputs.append(try backend.conv2d(x, m[i])) }
        return outputs
    }

    /// The decoding of `levelOutputs`, `rawFrom` columns on left undecoded (Segment's masks).
    public func decode<B: Backend>(_ levels: [B.Value], rawFrom: Int? = nil, on backend: B) throws(LayerError) -> B.Value {
        let grid = stride.map { Float($0) }
        return try backend.custom(levels, AnchorDecoding(anchorsPerLevel: na, outputs: no, rawFrom: rawFrom ?? no,
                                                         strides: grid, anchors: runAnchors ?? anchorCells))
    }

    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        try decode(try levelOutputs(inputs, on: backend), on: backend)
    }
}

extension LayerError {
    /// A backend failure (allocation) as a layer error.
    static func backendCall<T>(_ body: () throws(BackendError) -> T) throws(LayerError) -> T {
        do throws(BackendError) { return try body() } catch { throw LayerError(error) }
    }
}

extension AnchorDetect {
    /// The YAML's anchors: a list of [w, h, ...] per level, or a number of anchors per level,
    /// which YOLOv5's parse_model expands to `[list(range(2·n))] * len(from)` (placeholder
    /// sizes a checkpoint's buffer replaces).
    static func anchorLists(_ value: ArgValue, levels: Int) throws(LayerError) -> [[Double]] {
        switch value {
        case .int(let n):
            guard (1...maxAnchorsPerLevel).contains(n) else {
                throw LayerError("the number of anchors per level must be from 1 to \(maxAnchorsPerLevel), found \(n)", argument: "anchors")
            }
            return Array(repeating: (0..<(2 * n)).map(Double.init), count: levels)
        case .list(let items):
            guard !items.isEmpty, items.count <= maxLevels else {
                throw LayerError("anchors must list 1 to \(maxLevels) levels, found \(items.count)", argument: "anchors")
            }
            var lists: [[Double]] = []
            for item in items {
                guard case .list(let sizes) = item, sizes.count <= 2 * maxAnchorsPerLevel else {
                    throw LayerError("each anchor level must be a list [w, h, w, h, ...], found \(item.kindName)", argument: "anchors")
                }
                var level: [Double] = []
                for size in sizes {
                    let isBool = if case .bool = size { true } else { false }
                    guard !isBool, let v = size.numberValue else {
                        throw LayerError("anchor sizes must be numbers, found \(size.kindName)", argument: "anchors")
                    }
                    level.append(v)
                }
                lists.append(level)
            }
            return lists
        default:
            throw LayerError("anchors must be a list of [w, h, ...] per level or a number of anchors, found \(value.kindName)",
                             argument: "anchors")
        }
    }

    static let definition = LayerDefinition(
        name: "Detect",
        arguments: [ArgumentSpec("nc", .int(1...100_000)), ArgumentSpec("anchors", .any), ArgumentSpec("ch", .intList(1...65_536))],
        role: .head,
        summary: "YOLOv5's anchor-based detection head: [N, Σ na·h·w, 5 + nc] (xywh pixels, objectness, class scores)",
        origin: YOLOv5Layers.origin,
        dialect: ModelDialect.yolov5.rawValue,
        appendedArguments: 1,
        make: { args, _ throws(LayerError) in
            let ch = try args.intList("ch")
            guard let anchors = args["anchors"] else { throw LayerError("Detect needs anchors", argument: "anchors") }
            return try AnchorDetect(nc: args.int("nc"), anchors: anchorLists(anchors, levels: ch.count), ch: ch)
        })
}
