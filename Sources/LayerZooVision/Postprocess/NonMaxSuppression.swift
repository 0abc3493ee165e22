import ZooCPU

/// One detection: an axis-aligned box in pixels (x1, y1, x2, y2), its confidence and class, and
/// the extra channels the head put after the class scores (mask coefficients, keypoints, ...).
public struct Detection: Sendable, Equatable {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float
    public var confidence: Float
    public var classIndex: Int
    public var extras: [Float]

    public init(x1: Float, y1: Float, x2: Float, y2: Float, confidence: Float, classIndex: Int, extras: [Float] = []) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
        self.confidence = confidence
        self.classIndex = classIndex
        self.extras = extras
    }
}

/// The settings of Ultralytics' `non_max_suppression` that predict uses (`multi_label` off).
public struct NMSOptions: Sendable {
    /// Boxes whose best class score does not exceed this are dropped (`conf`).
    public var confidence: Float = 0.25
    /// A box overlapping a kept one by more than this IoU is suppressed.
    public var iou: Float = 0.7
    /// Keep only these classes (nil: all).
    public var classes: [Int]?
    /// One NMS across classes instead of one per class.
    public var agnostic = false
    /// Most boxes kept per image (`max_det`).
    public var maxDetections = 300
    /// Boxes that enter NMS at most (highest scores first).
    public var maxNMS = 30_000
    /// The class offset that keeps the classes' boxes apart.
    public var maxWH: Float = 7680
    /// Number of class channels; nil: all channels after the box (detect).
    public var classCount: Int?
    /// One candidate per class above the threshold, not only the best (`multi_label`, as val uses it).
    public var multiLabel = false
    /// The head runs its one-to-one branches and gives its top rows `[N, k, 6 + extra]`: no NMS.
    public var endToEnd = false

    /// Ultralytics' defaults.
    public init() {}
}

/// Ultralytics' `non_max_suppression` for `[N, 4 + nc + extra, anchors]` predictions (boxes as
/// centre x, y, width, height), with torchvision's `nms` inside, in float32 as they compute it:
/// candidates whose best class score exceeds the threshold, xywh → xyxy, boxes offset by
/// `class * max_wh` unless agnostic, greedy suppression in descending score order (stable for
/// ties) of boxes whose IoU with a kept one exceeds the threshold, at most `max_det` per image.
public enum NonMaxSuppression {
    /// Per image of `prediction`, the kept detections, highest confidence first.
    public static func run(_ prediction: Tensor, _ options: NMSOptions) throws(BackendError) -> [[Detection]] {
        try candidates(prediction, options).map { boxes in
            suppress(boxes, options).prefix(max(options.maxDetections, 0)).map { boxes[$0] }
        }
    }

    /// Per image, the boxes that enter the suppression: best class above the threshold, in the
    /// class filter, at most `maxNMS` (highest scores). With `cornerBoxes` false the box stays
    /// as the head gave it: `x1, y1, x2, y2` hold centre x, y, width, height (rotated NMS).
    public static func candidates(_ prediction: Tensor, _ options: NMSOptions,
                                  cornerBoxes: Bool = true) throws(BackendError) -> [[Detection]] {
        guard prediction.rank == 3, prediction.shape[1] >= 5 else {
            throw .shapeMismatch(operation: "non_max_suppression", expected: "[N, 4 + classes, anchors]",
                                 found: describeShape(prediction.shape))
        }
        let batch = prediction.shape[0], channels = prediction.shape[1], anchors = prediction.shape[2]
        let nc = options.classCount ?? (channels - 4)
        guard nc >= 1, nc <= channels - 4 else {
            throw .invalidArgument(operation: "non_max_suppression", message: "\(nc) classes do not fit \(channels) channels")
        }
        let extra = channels - 4 - nc
        let allowed = options.classes.map(Set.init)
        var output: [[Detection]] = []
        for n in 0..<batch {
            let base = prediction.pointer + n * channels * anchors
            var candidates: [Detection] = []
            for a in 0..<anchors {
                var best = base[4 * anchors + a], cls = 0
                for c in 1..<max(nc, 1) {
                    let v = base[(4 + c) * anchors + a]
                    if v > best { best = v; cls = c }
                }
                guard best > options.confidence else { continue }
                let labels = options.multiLabel && nc > 1
                    ? (0..<nc).filter { base[(4 + $0) * anchors + a] > options.confidence } : [cls]
                let x = base[a], y = base[anchors + a], w = base[2 * anchors + a], h = base[3 * anchors + a]
                var extras: [Float] = []
                if extra > 0 {
                    extras.reserveCapacity(extra)
                    for e in 0..<extra { extras.append(base[(4 + nc + e) * anchors + a]) }
                }
                for c in labels {
                    if let allowed, !allowed.contains(c) { continue }
                    let confidence = base[(4 + c) * anchors + a]
                    candidates.append(cornerBoxes
                        ? Detection(x1: x - w / 2, y1: y - h / 2, x2: x + w / 2, y2: y + h / 2, confidence: confidence, classIndex: c, extras: extras)
                        : Detection(x1: x, y1: y, x2: w, y2: h, confidence: confidence, classIndex: c, extras: extras))
                }
            }
            if candidates.count > options.maxNMS {
                candidates = stableSortedByScore(candidates).prefix(options.maxNMS).map { $0 }
            }
            output.append(candidates)
        }
        return output
    }

    static func stableSortedByScore(_ boxes: [Detection]) -> [Detection] {
        boxes.enumerated().sorted { a, b in
            a.element.confidence != b.element.confidence ? a.element.confidence > b.element.confidence : a.offset < b.offset
        }.map(\.element)
    }

    /// torchvision.ops.nms on the class-offset boxes: the kept indices, highest score first.
    static func suppress(_ boxes: [Detection], _ options: NMSOptions) -> [Int] {
        let n = boxes.count
        guard n > 0 else { return [] }
        var x1 = [Float](repeating: 0, count: n), y1 = x1, x2 = x1, y2 = x1, area = x1
        for (i, b) in boxes.enumerated() {
            let offset = options.agnostic ? 0 : Float(b.classIndex) * options.maxWH
            x1[i] = b.x1 + offset
            y1[i] = b.y1 + offset
            x2[i] = b.x2 + offset
            y2[i] = b.y2 + offset
            area[i] = (x2[i] - x1[i]) * (y2[i] - y1[i])
        }
        let scores = boxes.map(\.confidence)
        let order = (0..<n).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        // Greedy suppression over the boxes still standing, so each round only visits those;
        // past max_det nothing more is used (later boxes cannot change the ones kept).
        var keep: [Int] = []
        var remaining = order, next = [Int](repeating: 0, count: n)
        var count = n
        x1.withUnsafeBufferPointer { x1 in y1.withUnsafeBufferPointer { y1 in
        x2.withUnsafeBufferPointer { x2 in y2.withUnsafeBufferPointer { y2 in area.withUnsafeBufferPointer { area in
            remaining.withUnsafeMutableBufferPointer { live in next.withUnsafeMutableBufferPointer { spare in
                var live = live, spare = spare
                while count > 0 {
                    let i = live[0]
                    keep.append(i)
                    if keep.count >= options.maxDetections { break }
                    let ax1 = x1[i], ay1 = y1[i], ax2 = x2[i], ay2 = y2[i], aa = area[i]
                    var kept = 0
                    for k in 1..<count {
                        let j = live[k]
                        let w = (ax2 < x2[j] ? ax2 : x2[j]) - (ax1 > x1[j] ? ax1 : x1[j])
                        let h = (ay2 < y2[j] ? ay2 : y2[j]) - (ay1 > y1[j] ? ay1 : y1[j])
                        let inter = (w > 0 ? w : 0) * (h > 0 ? h : 0)
                        if !(inter / (aa + area[j] - inter) > options.iou) { spare[kept] = j; kept += 1 }
                    }
                    swap(&live, &spare)
                    count = kept
                }
            } }
        } } } } }
        return keep
    }
}
