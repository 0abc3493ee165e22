import XCTest
import ZooKernels
@testable import ZooCPU

/// `zk_pack_weight_rows` (the Winograd weight form packs panel by panel through it) puts each
/// row range where `zk_pack_weights` puts the whole matrix, and a weight prepared for the map
/// it runs on gets only the form `conv2d` runs there.
final class WeightPackingRowsTests: XCTestCase {
    func testPanelByPanelPackingEqualsWholePacking() {
        var rng = SplitMix64(seed: 11)
        let mr = Int(ZK_MR)
        for (m, k) in [(1, 1), (5, 3), (17, 300), (6, 257), (13, 513)] {
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            let count = Int(zk_packed_weight_count(Int32(m), Int32(k)))
            var whole = [Float](repeating: .nan, count: count)
            var pieces = [Float](repeating: .nan, count: count)
            zk_pack_weights(a, Int32(m), Int32(k), Int32(k), &whole)
            a.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                // Odd-sized ranges of whole panels, the last one ragged.
                var row0 = 0, step = 1
                while row0 < m {
                    let rows = min(step * mr, m - row0)
                    zk_pack_weight_rows(base + row0 * k, Int32(row0), Int32(rows), Int32(m), Int32(k), Int32(k), &pieces)
                    row0 += rows
                    step = step % 3 + 1
                }
            }
            XCTAssertEqual(pieces, whole, "\(m)×\(k)")
        }
    }

    /// 19 → 17 channels at 9×13 is Winograd's (12 tiles ≥ the minimum when lowered to 8); at 5×5 it
    /// is GEMM's; both run as the reference.
    func testTheFormPreparedForAnInputIsTheOneItRuns() throws {
        let saved = ZooCPUSettings.winogradMinimumTiles
        defer { ZooCPUSettings.winogradMinimumTiles = saved }
        ZooCPUSettings.winogradMinimumTiles = 8
        var rng = SplitMix64(seed: 5)
        let w = try randomTensor([17, 19, 3, 3], &rng, scale: 0.3)
        let options = Conv2DOptions(padding: 1)
        for (h, wd, winograd) in [(9, 13, true), (5, 5, false)] {
            let packed = try PackedConvWeight(w, groups: 1)
            try packed.prepareForm(for: options, input: [1, 19, h, wd])
            XCTAssertEqual(packed.builtForms.winograd, winograd, "\(h)×\(wd)")
            XCTAssertEqual(packed.builtForms.gemm, !winograd, "\(h)×\(wd)")
            let x = try randomTensor([2, 19, h, wd], &rng)
            assertClose(try conv2d(x, packed: packed, options: options), try conv2dReference(x, weight: w, options: options),
                        "prepared for \(h)×\(wd)")
            XCTAssertEqual(packed.builtForms.winograd, winograd, "conv2d built no other form at \(h)×\(wd)")
            XCTAssertEqual(packed.builtForms.gemm, !winograd, "conv2d built no other form at \(h)×\(wd)")
        }
    }

    /// The GEMM form packed panel by panel on the pool (three threads, odd channel counts,
    /// grouped, with and without row scales) is zk_pack_weights' packing of the scaled weight.
    func testTheGEMMFormPackedOnThePoolIsTheWholePacking() throws {
        let saved = ZooCPUSettings.threadCount
        defer { ZooCPUSettings.threadCount = saved }
        ZooCPUSettings.threadCount = 3
        var rng = SplitMix64(seed: 29)
        for (o, c, kernel, groups, scaled) in [(37, 131, 3, 1, true), (45, 203, 1, 1, false), (38, 122, 3, 2, true), (9, 5, 1, 1, true)] {
            let w = try randomTensor([o, c / groups, kernel, kernel], &rng)
            let scales = scaled ? (0..<o).map { _ in Float.random(in: -2...2, using: &rng) } : nil
            let form = try PackedConvWeight(w, groups: groups, rowScales: scales).gemm()
            let og = o / groups, k = w.count / o
            let perGroup = Int(zk_packed_weight_count(Int32(og), Int32(k)))
            XCTAssertEqual(form.groupStride, perGroup)
            var source = w.toArray()
            if let scales { for r in 0..<o { for j in 0..<k { source[r * k + j] *= scales[r] } } }
            var whole = [Float](repeating: .nan, count: perGroup * groups)
            source.withUnsafeBufferPointer { src in
                whole.withUnsafeMutableBufferPointer { dst in
                    guard let a = src.baseAddress, let d = dst.baseAddress else { return }
                    for g in 0..<groups { zk_pack_weights(a + g * og * k, Int32(og), Int32(k), Int32(k), d + g * perGroup) }
                }
            }
            let got = Array(UnsafeBufferPointer(start: form.storage.pointer, count: perGroup * groups))
            XCTAssertEqual(got, whole, "\(o)×\(c)×\(kernel)×\(kernel), \(groups) groups, scaled \(scaled)")
        }
    }
}
