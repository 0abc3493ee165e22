@testable import LayerZoo
import LayerZooTestSupport
import ZooCPU
import XCTest

/// `fillSeededStreams` (the vectorised `zk_seeded_fill`, one pool job for all tensors) gives
/// the floats of the scalar reference `SeededWeights.uniform` bit for bit, whatever the cut
/// into pieces, the start index, the length (odd ones, shorter than a vector) or the role.
final class SeededFillKernelTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.threadCount = AvailableCores.count
    }

    /// The reference: one scalar draw per element, as `SeededWeights` documents it.
    func reference(_ stream: SeededStream, count: Int) -> [Float] {
        (0..<count).map { i in
            let u = SeededWeights.uniform(stream.state, i)
            return stream.symmetric ? (2 * u - 1) * stream.scale : stream.offset + stream.scale * u
        }
    }

    func testKernelsGiveTheReferenceFloatsBitForBit() {
        var random = FuzzRandom(state: 29)
        let roles: [(symmetric: Bool, scale: Float, offset: Float)] = [(false, 0.5, 0.75), (false, 1, 0.5), (true, 0.2, 0),
                                                                        (true, 0.0417, 0), (false, 1, 0)]
        for threads in [1, 2] {
            ZooCPUSettings.threadCount = threads
            for portable in [false, true] {
                for trial in 0..<12 {
                    let counts = (0..<5).map { _ in [0, 1, 7, 8, 9, 31, 1021, 40_001][random.below(8)] + random.below(3) }
                    let buffers = counts.map { UnsafeMutablePointer<Float>.allocate(capacity: max($0, 1)) }
                    defer { buffers.forEach { $0.deallocate() } }
                    let streams = counts.indices.map { s in
                        let role = roles[random.below(roles.count)]
                        return SeededStream(pointer: buffers[s], count: counts[s], state: random.next(),
                                            symmetric: role.symmetric, scale: role.scale, offset: role.offset)
                    }
                    fillSeededStreams(streams, grain: [1, 5, 64, 1 << 15][trial % 4], portable: portable)
                    for (s, stream) in streams.enumerated() {
                        let got = Array(UnsafeBufferPointer(start: buffers[s], count: counts[s]))
                        XCTAssertEqual(got.map(\.bitPattern), reference(stream, count: counts[s]).map(\.bitPattern),
                                       "threads \(threads), portable \(portable), trial \(trial), stream \(s) of \(counts[s])")
                    }
                }
            }
        }
    }

    /// The seeded input batch is the "input" stream (what scripts/fixtures/seeded.py draws).
    func testSeededInputIsTheInputStream() throws {
        let t = try SeededWeights.input(shape: [1, 3, 5, 7], seed: 3)
        let state = SeededWeights.fnv1a64("input") ^ 3
        XCTAssertEqual(t.toArray().map(\.bitPattern), (0..<t.count).map { SeededWeights.uniform(state, $0).bitPattern })
    }
}
