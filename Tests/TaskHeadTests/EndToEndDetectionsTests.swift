import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The end-to-end output in one operation (EndToEndDetections: anchor scores read down the
/// class rows, heap top-k, the sigmoid of only the chosen anchors' logits) against what an
/// end-to-end head computes operation by operation: the concatenation of boxes, the sigmoid of
/// every logit and the extras, then TopKDetections' sorts. Random maps with repeated logits
/// (ties go to the lower index), NaN logits (ranked first), max_det below and above the
/// anchors, extras of one and several channels, batches of one and two, AVX2 and portable.
final class EndToEndDetectionsTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.portableKernels = false }

    func composed(_ inputs: [Tensor], classes: Int, maxDetections: Int) throws -> Tensor {
        let cpu = CPUBackend()
        let y = try cpu.concat([inputs[0], try cpu.activation(inputs[1], .sigmoid)] + inputs.dropFirst(2), axis: 1)
        return try cpu.custom([y], TopKDetections(classes: classes, maxDetections: maxDetections))
    }

    /// Same values, NaN where the expected row has NaN.
    func assertSameRows(_ actual: Tensor, _ expected: Tensor, _ message: String) {
        XCTAssertEqual(actual.shape, expected.shape, message)
        let a = actual.toArray(), e = expected.toArray()
        guard a.count == e.count else { return }
        let magnitude = e.reduce(Float(1e-12)) { $1.isNaN ? $0 : max($0, abs($1)) }
        for i in 0..<e.count where e[i].isNaN != a[i].isNaN || abs(a[i] - e[i]) > 1e-6 * magnitude {
            return XCTFail("\(message): value \(i) (row \(i / max(expected.shape.last ?? 1, 1))) is \(a[i]), expected \(e[i])")
        }
    }

    func testMatchesConcatenatedTopKOnRandomMaps() throws {
        var rng = FuzzRandom(state: 29)
        for trial in 0..<24 {
            let batch = 1 + trial % 2, classes = 1 + rng.below(12), anchors = 1 + rng.below(700)
            let maxDetections = [300, 5, 1, anchors + 3][trial % 4]
            let extraChannels = [[], [1], [3, 2]][trial % 3]
            var logits = rng.floats(batch * classes * anchors, spread: 8)
            // Repeated values (ties) and, in some trials, NaN.
            for _ in 0..<(logits.count / 4) { logits[rng.below(logits.count)] = logits[rng.below(logits.count)] }
            if trial % 5 == 4 { for _ in 0..<3 { logits[rng.below(logits.count)] = .nan } }
            var inputs = [try Tensor(shape: [batch, 4, anchors], data: rng.floats(batch * 4 * anchors, spread: 300)),
                          try Tensor(shape: [batch, classes, anchors], data: logits)]
            for e in extraChannels { inputs.append(try Tensor(shape: [batch, e, anchors], data: rng.floats(batch * e * anchors, spread: 5))) }
            let expected = try composed(inputs, classes: classes, maxDetections: maxDetections)
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try CPUBackend().custom(inputs, EndToEndDetections(classes: classes, maxDetections: maxDetections))
                assertSameRows(fast, expected, "trial \(trial) portable=\(portable): batch \(batch), nc \(classes), A \(anchors), max_det \(maxDetections), extras \(extraChannels)")
            }
        }
    }

    func testRejectsInputsThatDoNotFit() throws {
        let op = EndToEndDetections(classes: 3, maxDetections: 300)
        XCTAssertThrowsError(try op.outputShape([[1, 4, 20]]), "the class logits are missing")
        XCTAssertThrowsError(try op.outputShape([[1, 4, 20], [1, 2, 20]]), "not nc class rows")
        XCTAssertThrowsError(try op.outputShape([[1, 5, 20], [1, 3, 20]]), "not four box rows")
        XCTAssertThrowsError(try op.outputShape([[1, 4, 20], [1, 3, 20], [1, 2, 19]]), "an extra of other anchors")
        XCTAssertEqual(try op.outputShape([[2, 4, 20], [2, 3, 20], [2, 2, 20], [2, 1, 20]]), [2, 20, 9])
    }
}
