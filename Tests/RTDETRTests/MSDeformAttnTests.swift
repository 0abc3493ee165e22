import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Multi-scale deformable attention against Ultralytics' `MSDeformAttn` (its bilinear sampling
/// is `F.grid_sample(align_corners=False, padding_mode='zeros')`, borders included), and the
/// threaded kernel (value_proj applied after the sampling) against value_proj then the plain
/// sampling on random shapes.
final class MSDeformAttnTests: XCTestCase {
    func testMatchesPyTorchIncludingSamplesOnAndBeyondTheBorders() throws {
        var worst: Float = 0
        for name in ["boxes_3lv", "boxes_2lv_wide", "points_borders"] {
            let f = try fixture("msdeformattn_\(name)")
            let shapes: [[Int]] = try metadata(f, "shapes")
            let m = try MSDeformAttn(dModel: Int(try XCTUnwrap(f.metadata["d_model"])) ?? 0,
                                     nLevels: shapes.count, nHeads: Int(try XCTUnwrap(f.metadata["n_heads"])) ?? 0,
                                     nPoints: Int(try XCTUnwrap(f.metadata["n_points"])) ?? 0)
            try loadTensors(m, from: f, keyPrefix: "module.")
            let output = try m(try f.tensor("query"), referBoxes: try f.tensor("refer"), value: try f.tensor("value"),
                               shapes: shapes.map { ($0[0], $0[1]) }, on: CPUBackend())
            let expected = try f.tensor("output")
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = relativeError(output, expected)
            worst = max(worst, error)
            XCTAssertLessThan(error, 1e-4, name)
        }
        print("MSDeformAttn: max relative error \(worst)")
    }

    func testThreadedKernelEqualsPlainKernelOnRandomShapes() throws {
        var random = FuzzRandom(state: 0x5EED_DEF0)
        for trial in 0..<40 {
            let levels = (0...random.below(3)).map { _ in (h: 1 + random.below(9), w: 1 + random.below(9)) }
            let sampling = DeformableSampling(levels: levels, heads: 1 + random.below(4), headDim: 1 + random.below(9),
                                              points: 1 + random.below(4))
            let (n, q, boxSize) = (1 + random.below(2), 1 + random.below(40), random.below(2) == 0 ? 4 : 2)
            let withBias = random.below(3) != 0
            func values(_ count: Int, _ low: Float, _ high: Float) -> [Float] {
                (0..<count).map { _ in low + (high - low) * Float(random.below(1 << 20)) / Float(1 << 20) }
            }
            let e = sampling.embed
            let value = values(n * sampling.pixels * e, -2, 2)
            let offsets = values(n * q * sampling.heads * sampling.samples * 2, -4, 4)
            let logits = values(n * q * sampling.heads * sampling.samples, -3, 3)
            let boxes = values(n * q * boxSize, -0.3, 1.3)
            let weight = values(e * e, -1, 1), bias = values(e, -1, 1)
            let operation = ProjectedDeformableSampling(sampling: sampling, weight: Parameter([e, e]), bias: nil)
            var plain = [Float](repeating: .nan, count: n * q * e)
            var fast = [Float](repeating: .nan, count: plain.count)
            var portable = fast
            var gathered = [Float](repeating: .nan, count: n * q * sampling.heads * e)
            var totals = [Float](repeating: .nan, count: n * q * sampling.heads)
            value.withUnsafeBufferPointer { v in offsets.withUnsafeBufferPointer { o in logits.withUnsafeBufferPointer { l in
                boxes.withUnsafeBufferPointer { b in weight.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { c in
                    plain.withUnsafeMutableBufferPointer { out in
                        operation.reference(value: v.baseAddress!, offsets: o.baseAddress!, logits: l.baseAddress!, boxes: b.baseAddress!,
                                            boxSize: boxSize, batch: n, queries: q, weight: w.baseAddress!,
                                            bias: withBias ? c.baseAddress! : nil, output: out.baseAddress!)
                    }
                    func runKernel(into result: inout [Float]) {
                        gathered.withUnsafeMutableBufferPointer { g in totals.withUnsafeMutableBufferPointer { t in
                        result.withUnsafeMutableBufferPointer { out in
                            operation.run(value: SendableConstPointer(v.baseAddress!), offsets: SendableConstPointer(o.baseAddress!),
                                          logits: SendableConstPointer(l.baseAddress!), boxes: SendableConstPointer(b.baseAddress!),
                                          boxSize: boxSize, batch: n, queries: q, weight: SendableConstPointer(w.baseAddress!),
                                          bias: withBias ? SendableConstPointer(c.baseAddress!) : nil,
                                          gathered: SendablePointer(g.baseAddress!), totals: SendablePointer(t.baseAddress!),
                                          output: SendablePointer(out.baseAddress!), context: ExecutionContext())
                        }
                        } }
                    }
                    runKernel(into: &fast)
                    let saved = ZooCPUSettings.portableKernels
                    ZooCPUSettings.portableKernels = true
                    runKernel(into: &portable)
                    ZooCPUSettings.portableKernels = saved
                } } }
            } } }
            let scale = max(plain.map(abs).max() ?? 0, 1)
            for (kernel, result) in [("AVX2", fast), ("portable", portable)] {
                XCTAssertFalse(result.contains { !$0.isFinite }, "trial \(trial), \(kernel): every output written")
                let diff = zip(plain, result).map { abs($0 - $1) }.max() ?? .nan
                XCTAssertLessThan(diff / scale, 1e-5, "trial \(trial), \(kernel): levels \(levels), heads \(sampling.heads), dim \(sampling.headDim), points \(sampling.points)")
            }
        }
    }

    func testRefusesValuesThatDoNotCoverTheLevels() throws {
        let m = try MSDeformAttn(dModel: 8, nLevels: 2, nHeads: 2, nPoints: 2)
        let backend = ShapeBackend()
        XCTAssertThrowsError(try m(ShapeValue([1, 5, 8]), referBoxes: ShapeValue([1, 5, 4]), value: ShapeValue([1, 20, 8]),
                                   shapes: [(3, 4), (2, 3)], on: backend)) { error in
            XCTAssertTrue("\(error)".contains("[N, 18, 8]"), "\(error)")
        }
        XCTAssertThrowsError(try MSDeformAttn(dModel: 10, nLevels: 2, nHeads: 4, nPoints: 2))
    }
}
