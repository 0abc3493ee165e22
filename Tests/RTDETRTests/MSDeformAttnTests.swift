import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Multi-scale deformable attention against Ultralytics' `MSDeformAttn` (its bilinear sampling
/// is `F.grid_sample(align_corners=False, padding_mode='zeros')`, borders included), and the
/// threaded sampling kernel against the plain one on random shapes.
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
            let (n, q, boxSize) = (1 + random.below(2), 1 + random.below(13), random.below(2) == 0 ? 4 : 2)
            func values(_ count: Int, _ low: Float, _ high: Float) -> [Float] {
                (0..<count).map { _ in low + (high - low) * Float(random.below(1 << 20)) / Float(1 << 20) }
            }
            let value = values(n * sampling.pixels * sampling.embed, -2, 2)
            let offsets = values(n * q * sampling.heads * sampling.samples * 2, -4, 4)
            let logits = values(n * q * sampling.heads * sampling.samples, -3, 3)
            let boxes = values(n * q * boxSize, -0.3, 1.3)
            var plain = [Float](repeating: .nan, count: n * q * sampling.embed)
            var fast = [Float](repeating: .nan, count: plain.count)
            value.withUnsafeBufferPointer { v in offsets.withUnsafeBufferPointer { o in logits.withUnsafeBufferPointer { l in
                boxes.withUnsafeBufferPointer { b in
                    plain.withUnsafeMutableBufferPointer { out in
                        sampling.reference(value: v.baseAddress!, offsets: o.baseAddress!, logits: l.baseAddress!, boxes: b.baseAddress!,
                                           boxSize: boxSize, batch: n, queries: q, output: out.baseAddress!)
                    }
                    fast.withUnsafeMutableBufferPointer { out in
                        sampling.run(value: SendableConstPointer(v.baseAddress!), offsets: SendableConstPointer(o.baseAddress!),
                                     logits: SendableConstPointer(l.baseAddress!), boxes: SendableConstPointer(b.baseAddress!),
                                     boxSize: boxSize, batch: n, queries: q, output: SendablePointer(out.baseAddress!),
                                     context: ExecutionContext())
                    }
                }
            } } }
            let diff = zip(plain, fast).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(diff, 1e-5, "trial \(trial): levels \(levels), heads \(sampling.heads), dim \(sampling.headDim), points \(sampling.points)")
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
