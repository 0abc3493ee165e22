@testable import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// A prepared model holds each convolution's weights as loaded and the packed form it runs,
/// not a third copy with the batch norm folded in, and preparation leaves nothing freed
/// behind for reuse by size; the pass still computes what it computed before.
final class FoldedCopyTests: XCTestCase {
    func testPreparationKeepsNoFoldedCopyAndNoFreedBuffers() throws {
        let report = try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64))
        let m = try XCTUnwrap(report.model)
        try m.initializeSeededWeights(seed: 0, prepare: false)
        let input = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 3)
        let unprepared = try m.forward(input, on: CPUBackend()).toArray()

        try m.prepareForInference(imageSize: (64, 64))
        XCTAssertEqual(ZooCPUSettings.cachedBufferBytes, 0, "what preparation freed is returned, not kept by size")
        let convs = m.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } }
        let folded = convs.filter { $0.preparation?.batchNorm != nil }
        XCTAssertFalse(folded.isEmpty)
        for conv in folded {
            let packed = try XCTUnwrap(conv.preparation?.weight)
            XCTAssertTrue(packed.weight === conv.weight.value, "\(packed.shape): packs the weights as loaded, no folded copy")
            XCTAssertEqual(packed.rowScales?.count, packed.shape[0], "the batch norm's scale is applied as the form is packed")
        }
        let y = try m.forward(input, on: CPUBackend()).toArray()
        let scale = unprepared.map(abs).max() ?? 1
        XCTAssertLessThan(zip(y, unprepared).map { abs($0 - $1) }.max() ?? .infinity, 1e-5 * scale)
    }
}
