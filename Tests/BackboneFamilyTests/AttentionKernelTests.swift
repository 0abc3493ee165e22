import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The attention kernel of PSA and AAttn (16-query tiles of scores, softmax and mix on rows
/// read in place, AVX2 and portable) against its plain double-precision reference, on random shapes: odd position
/// counts around the 8-wide vectors, several heads and areas, keys narrower than values; and
/// the column softmax against a plain loop.
final class AttentionKernelTests: XCTestCase {
    func random(_ count: Int, _ rng: inout FuzzRandom, spread: Float) -> [Float] {
        rng.floats(count, spread: spread)
    }

    func testKernelMatchesReferenceOnRandomShapes() throws {
        var rng = FuzzRandom(state: 19)
        for trial in 0..<24 {
            let heads = 1 + rng.below(3), keyDim = 1 + rng.below(9), valueDim = 1 + rng.below(11)
            let areas = [1, 1, 2, 3, 4][rng.below(5)]
            let h = areas * (1 + rng.below(4)), w = 1 + rng.below(13), batch = 1 + rng.below(2)
            let shape = [batch, heads * (2 * keyDim + valueDim), h, w]
            let op = HeadAttention(heads: heads, keyDim: keyDim, valueDim: valueDim, areas: areas,
                                   scale: 1 / Float(keyDim).squareRoot())
            let x = try Tensor(shape: shape, data: random(shape.reduce(1, *), &rng, spread: 3))
            let slow = try op.reference(x)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                defer { ZooCPUSettings.portableKernels = false }
                let fast = try CPUBackend().custom([x], op)
                XCTAssertEqual(fast.shape, slow.shape)
                XCTAssertLessThan(relativeError(fast, slow), 1e-5,
                                  "trial \(trial) portable=\(portable): \(shape), heads \(heads), key \(keyDim), value \(valueDim), areas \(areas)")
            }
            let macs = op.macs([[1] + shape.dropFirst()])
            XCTAssertEqual(macs, areas * heads * (h * w / areas) * (h * w / areas) * (keyDim + valueDim))
            let tiles = batch * areas * heads * ((h * w / areas + 15) / 16)
            XCTAssertEqual(op.scratchElements([shape]), min(tiles, 4 * ZooCPUSettings.threadCount) * 16 * (h * w / areas + keyDim + valueDim),
                           "a 16-query score tile and its queries per chunk of tiles")
            let shapes = ShapeBackend()
            _ = try shapes.custom([ShapeValue(shape)], op)
            XCTAssertEqual(shapes.madeElements, slow.count + op.scratchElements([shape]), "the memory plan sees the scores")
        }
    }

    /// Enough queries (PSA's 20×20 and an odd 17×23) for the blocks of queries to spread over
    /// the worker pool, each block's scores, softmax and mix computed on its own.
    func testQueryBlocksAcrossThreadsMatchReference() throws {
        var rng = FuzzRandom(state: 29)
        for (heads, keyDim, valueDim, h, w, areas) in [(2, 32, 64, 20, 20, 1), (3, 5, 7, 17, 23, 1), (1, 8, 16, 24, 18, 4)] {
            let shape = [1, heads * (2 * keyDim + valueDim), h, w]
            let op = HeadAttention(heads: heads, keyDim: keyDim, valueDim: valueDim, areas: areas,
                                   scale: 1 / Float(keyDim).squareRoot())
            let x = try Tensor(shape: shape, data: random(shape.reduce(1, *), &rng, spread: 2))
            let error = relativeError(try CPUBackend().custom([x], op), try op.reference(x))
            XCTAssertLessThan(error, 1e-5, "\(shape), heads \(heads), key \(keyDim), value \(valueDim), areas \(areas)")
        }
    }

    func testColumnSoftmaxMatchesPlainLoop() throws {
        var rng = FuzzRandom(state: 23)
        for _ in 0..<20 {
            let n = 1 + rng.below(40), inner = 1 + rng.below(37)
            let lo = rng.below(inner), hi = lo + 1 + rng.below(inner - lo)
            let src = random(n * inner, &rng, spread: 20)
            var dst = [Float](repeating: -7, count: n * inner)
            let input = try Tensor(shape: [n, inner], data: src), output = try Tensor(shape: [n, inner], data: dst)
            try softmaxColumns(input.pointer, output.pointer, n: n, inner: inner, columns: lo..<hi)
            dst = Array(UnsafeBufferPointer(start: output.pointer, count: n * inner))
            for j in 0..<inner {
                let column = (0..<n).map { Double(src[$0 * inner + j]) }
                let top = column.max() ?? 0, total = column.reduce(0) { $0 + exp($1 - top) }
                for i in 0..<n {
                    let expected = (lo..<hi).contains(j) ? Float(exp(column[i] - top) / total) : -7
                    XCTAssertEqual(dst[i * inner + j], expected, accuracy: 1e-6, "[\(n), \(inner)] column \(j) of \(lo)..<\(hi)")
                }
            }
        }
    }
}
