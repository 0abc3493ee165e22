import ZooKernels

/// One tensor's share of a seeded fill: `count` floats at `pointer` get elements
/// `0 ..< count` of the splitmix64 stream `state`, as `zk_seeded_fill` maps them
/// (`(2u - 1) × scale` when `symmetric`, else `offset + scale × u`).
public struct SeededStream: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    public let state: UInt64
    public let symmetric: Bool
    public let scale: Float
    public let offset: Float

    public init(pointer: UnsafeMutablePointer<Float>, count: Int, state: UInt64, symmetric: Bool, scale: Float, offset: Float = 0) {
        self.pointer = pointer
        self.count = count
        self.state = state
        self.symmetric = symmetric
        self.scale = scale
        self.offset = offset
    }
}

/// Fills every stream, all of them in one job on the worker pool: each stream is cut into
/// pieces of at most `grain` floats (an element's value depends only on its index, so any cut
/// gives the same floats), so that a model's many small tensors are spread over the threads
/// as well as its few large ones, and their pages are first touched in parallel too. The
/// memory must stay allocated until this returns. `portable` runs the portable loop.
public func fillSeededStreams(_ streams: [SeededStream], grain: Int = 1 << 15, portable: Bool = false) {
    let step = max(grain, 1)
    var pieces: [(stream: Int, start: Int, end: Int)] = []
    pieces.reserveCapacity(streams.reduce(0) { $0 + ($1.count + step - 1) / step })
    for (s, stream) in streams.enumerated() {
        var start = 0
        while start < stream.count {
            let end = start + min(step, stream.count - start)
            pieces.append((s, start, end))
            start = end
        }
    }
    let cut = pieces
    parallelForEach(cut.count) { i in
        let piece = cut[i], stream = streams[piece.stream]
        zk_seeded_fill(stream.pointer + piece.start, piece.start, piece.end - piece.start, stream.state,
                       stream.symmetric ? 1 : 0, stream.scale, stream.offset, portable ? 1 : 0)
    }
}
