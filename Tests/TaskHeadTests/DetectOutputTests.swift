import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Detect's one-kernel output (DFL, box decoding, the class sigmoid and the extra rows of
/// Pose and Segment straight from the branch outputs, AVX2 and portable) against the operations Ultralytics' `Detect` runs, one
/// by one on the CPU backend: the levels' concatenations, DFL's softmax and 1×1 convolution,
/// dist2bbox, the sigmoid and the final concatenation. Random branch outputs on odd map sizes
/// (anchor runs around the 8-wide vectors and the work chunks), one to three levels, with and
/// without distance bins, batches of one and two.
final class DetectOutputTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.portableKernels = false }

    func random(_ shape: [Int], _ rng: inout FuzzRandom, spread: Float) throws -> Tensor {
        try Tensor(shape: shape, data: rng.floats(shape.reduce(1, *), spread: spread))
    }

    /// What Detect computes, operation by operation.
    /// OBB's angle maps and their form, for the rotated output.
    typealias Angles = (maps: [Tensor], form: DetectOutput.Angle)

    func composed(_ boxes: [Tensor], _ scores: [Tensor], extra: [Tensor], angles: Angles? = nil, levels: [AnchorLevel],
                  bins: Int) throws -> Tensor {
        let cpu = CPUBackend()
        func joined(_ maps: [Tensor]) throws -> Tensor {
            try cpu.concat(try maps.map { try cpu.reshape($0, [$0.shape[0], $0.shape[1], $0.shape[2] * $0.shape[3]]) }, axis: -1)
        }
        let box = try joined(boxes)
        var distances = box
        if bins > 1 {
            let dfl = try DFL(bins)
            dfl.conv.weight.value = try Tensor(shape: dfl.conv.weight.shape, data: try XCTUnwrap(dfl.conv.weight.fixedValue))
            distances = try dfl(box, on: cpu)
        }
        let probabilities = try cpu.activation(try joined(scores), .sigmoid)
        guard let angles else {
            return try cpu.concat([try cpu.decodeBoxes(distances, levels: levels), probabilities] + extra, axis: 1)
        }
        let logits = try joined(angles.maps)
        let angle = angles.form == .raw ? logits : try cpu.custom([logits], OBBAngle())
        let rotated = try cpu.custom([distances, angle], RotatedBoxDecoding(levels: levels))
        return try cpu.concat([rotated, probabilities, angle], axis: 1)
    }

    /// OBB's output in one kernel (dist2rbox with the angle's sigmoid or the raw angle) against
    /// OBB's operations: DFL, OBBAngle, RotatedBoxDecoding, the sigmoid and the concatenation.
    func testRotatedBoxesMatchOBBsOperationsOnRandomMaps() throws {
        var rng = FuzzRandom(state: 83)
        for trial in 0..<12 {
            let bins = trial % 3 == 2 ? 1 : 16, classes = 1 + rng.below(5), batch = 1 + trial % 2
            let form: DetectOutput.Angle = trial % 2 == 0 ? .sigmoid : .raw
            var levels: [AnchorLevel] = []
            for l in 0..<(1 + rng.below(3)) {
                levels.append(AnchorLevel(height: 1 + rng.below(19), width: 1 + rng.below(29), stride: Double(8 << l)))
            }
            let boxes = try levels.map { try random([batch, 4 * bins, $0.height, $0.width], &rng, spread: 6) }
            let scores = try levels.map { try random([batch, classes, $0.height, $0.width], &rng, spread: 8) }
            let angles = try levels.map { try random([batch, 1, $0.height, $0.width], &rng, spread: 4) }
            let expected = try composed(boxes, scores, extra: [], angles: (angles, form), levels: levels, bins: bins)
            let op = DetectOutput(levels: levels, bins: bins, classes: classes, angle: form)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try CPUBackend().custom(boxes + scores + angles, op)
                XCTAssertEqual(fast.shape, expected.shape)
                XCTAssertLessThan(relativeError(fast, expected), 1e-5,
                                  "trial \(trial) portable=\(portable): levels \(levels.map { "\($0.height)×\($0.width)" }), bins \(bins), nc \(classes), batch \(batch), angle \(form)")
            }
        }
    }

    func testMatchesDetectsOperationsOnRandomMaps() throws {
        var rng = FuzzRandom(state: 61)
        for trial in 0..<16 {
            let bins = trial % 4 == 3 ? 1 : [16, 5, 8][trial % 3], classes = 1 + rng.below(9), batch = 1 + trial % 2
            var levels: [AnchorLevel] = []
            for l in 0..<(1 + rng.below(3)) {
                levels.append(AnchorLevel(height: 1 + rng.below(23), width: 1 + rng.below(37), stride: Double(8 << l)))
            }
            let boxes = try levels.map { try random([batch, 4 * bins, $0.height, $0.width], &rng, spread: 6) }
            let scores = try levels.map { try random([batch, classes, $0.height, $0.width], &rng, spread: 8) }
            let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
            let extraRows = [[], [3], [2, 1]][trial % 3]
            let extra = try extraRows.map { try random([batch, $0, anchors], &rng, spread: 50) }
            let expected = try composed(boxes, scores, extra: extra, levels: levels, bins: bins)
            let op = DetectOutput(levels: levels, bins: bins, classes: classes, extraRows: extraRows)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try CPUBackend().custom(boxes + scores + extra, op)
                XCTAssertEqual(fast.shape, expected.shape)
                XCTAssertLessThan(relativeError(fast, expected), 1e-5,
                                  "trial \(trial) portable=\(portable): levels \(levels.map { "\($0.height)×\($0.width)" }), bins \(bins), nc \(classes), batch \(batch), extra \(extraRows)")
            }
            XCTAssertEqual(op.macs((boxes + scores + extra).map(\.shape)), bins > 1 ? batch * anchors * 4 * bins : 0,
                           "thop counts DFL's 1×1 convolution")
        }
    }

    func testRejectsMapsThatDoNotFitTheLevels() throws {
        let levels = [AnchorLevel(height: 4, width: 5, stride: 8)]
        let op = DetectOutput(levels: levels, bins: 16, classes: 3)
        XCTAssertThrowsError(try op.outputShape([[1, 64, 4, 5]]), "a class map is missing")
        XCTAssertThrowsError(try op.outputShape([[1, 64, 4, 6], [1, 3, 4, 6]]), "the map is not the level's size")
        XCTAssertThrowsError(try op.outputShape([[1, 60, 4, 5], [1, 3, 4, 5]]), "not 4·bins box channels")
        XCTAssertEqual(try op.outputShape([[2, 64, 4, 5], [2, 3, 4, 5]]), [2, 7, 20])
        let withExtra = DetectOutput(levels: levels, bins: 16, classes: 3, extraRows: [5])
        XCTAssertThrowsError(try withExtra.outputShape([[1, 64, 4, 5], [1, 3, 4, 5]]), "the extra rows are missing")
        XCTAssertThrowsError(try withExtra.outputShape([[1, 64, 4, 5], [1, 3, 4, 5], [1, 4, 20]]), "not the extra's rows")
        XCTAssertEqual(try withExtra.outputShape([[2, 64, 4, 5], [2, 3, 4, 5], [2, 5, 20]]), [2, 12, 20])
        let rotated = DetectOutput(levels: levels, bins: 16, classes: 3, angle: .sigmoid)
        XCTAssertThrowsError(try rotated.outputShape([[1, 64, 4, 5], [1, 3, 4, 5]]), "the angle map is missing")
        XCTAssertThrowsError(try rotated.outputShape([[1, 64, 4, 5], [1, 3, 4, 5], [1, 2, 4, 5]]), "not one angle channel")
        XCTAssertEqual(try rotated.outputShape([[2, 64, 4, 5], [2, 3, 4, 5], [2, 1, 4, 5]]), [2, 8, 20])
    }
}
