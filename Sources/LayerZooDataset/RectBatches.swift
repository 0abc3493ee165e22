/// How val groups images into batches: in file order at `imgsz` x `imgsz`, or (`rect`) sorted by
/// aspect ratio with one letterbox shape per batch, as Ultralytics' `set_rectangle` computes it:
/// `ceil([h/w or 1, 1 or w/h] * imgsz / stride + pad) * stride` from the batch's extreme ratios.
public struct ValBatch: Sendable, Equatable {
    /// Indices into the scanned images, in the order they run.
    public var images: [Int]
    public var height: Int
    public var width: Int
}

public enum RectBatches {
    public static func batches(sizes: [(height: Int, width: Int)], batchSize: Int, imgsz: Int, stride: Int,
                               rect: Bool, pad: Double = 0.5) -> [ValBatch] {
        let size = max(batchSize, 1)
        guard rect else {
            return Swift.stride(from: 0, to: sizes.count, by: size).map {
                ValBatch(images: Array($0..<min($0 + size, sizes.count)), height: imgsz, width: imgsz)
            }
        }
        let ratio = sizes.map { Double($0.height) / Double($0.width) }
        let order = ratio.indices.sorted { ratio[$0] != ratio[$1] ? ratio[$0] < ratio[$1] : $0 < $1 }
        return Swift.stride(from: 0, to: order.count, by: size).map { start in
            let members = Array(order[start..<min(start + size, order.count)])
            let lo = members.map { ratio[$0] }.min() ?? 1, hi = members.map { ratio[$0] }.max() ?? 1
            var shape = (1.0, 1.0)
            if hi < 1 { shape = (hi, 1) } else if lo > 1 { shape = (1, 1 / lo) }
            func side(_ s: Double) -> Int { Int((s * Double(imgsz) / Double(stride) + pad).rounded(.up)) * stride }
            return ValBatch(images: members, height: side(shape.0), width: side(shape.1))
        }
    }
}
