import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Detect's one-kernel output (DFL, box decoding and the class sigmoid straight from the
/// branch outputs, AVX2 and portable) against the operations Ultralytics' `Detect` runs, one
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
    func composed(_ boxes: [Tensor], _ scores: [Tensor], levels: [AnchorLevel], bins: Int) throws -> Tensor {
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
        return try cpu.concat([try cpu.decodeBoxes(distances, levels: levels), try cpu.activation(try joined(scores), .sigmoid)],
                              axis: 1)
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
            let expected = try composed(boxes, scores, levels: levels, bins: bins)
            let op = DetectOutput(levels: levels, bins: bins, classes: classes)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try CPUBackend().custom(boxes + scores, op)
                XCTAssertEqual(fast.shape, expected.shape)
                XCTAssertLessThan(relativeError(fast, expected), 1e-5,
                                  "trial \(trial) portable=\(portable): levels \(levels.map { "\($0.height)×\($0.width)" }), bins \(bins), nc \(classes), batch \(batch)")
            }
            let anchors = levels.reduce(0) { $0 + $1.height * $1.width }
            XCTAssertEqual(op.macs((boxes + scores).map(\.shape)), bins > 1 ? batch * anchors * 4 * bins : 0,
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
    }
}
