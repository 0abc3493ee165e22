import Foundation
@testable import LayerZoo
import LayerZooTestSupport
import ZooCPU
import XCTest

/// Convolutions are prepared on the worker pool at load (`ParallelPreparation`): what that makes
/// is what preparing them one by one on one thread makes, and a convolution that cannot be
/// prepared is still reported at its layer.
final class ParallelPreparationTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.threadCount = AvailableCores.count
    }

    func seededModel(threads: Int) throws -> (Model, [Conv2d]) {
        ZooCPUSettings.threadCount = threads
        let report = try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64))
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        let m = try XCTUnwrap(report.model)
        try m.initializeSeededWeights(seed: 5, prepare: false)
        try m.prepareForInference(imageSize: (64, 64))
        return (m, m.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } })
    }

    func testTheWorkerPoolPreparesWhatOneThreadPrepares() throws {
        let (serial, serialConvs) = try seededModel(threads: 1)
        let (pooled, pooledConvs) = try seededModel(threads: 2)
        XCTAssertGreaterThan(pooledConvs.filter { $0.preparationCount == 1 }.count, 10)
        XCTAssertEqual(pooledConvs.map(\.preparationCount), serialConvs.map(\.preparationCount))
        for (a, b) in zip(pooledConvs, serialConvs) {
            let (pa, pb) = (try XCTUnwrap(a.preparation), try XCTUnwrap(b.preparation))
            XCTAssertEqual(pa.weight.builtForms.gemm, pb.weight.builtForms.gemm)
            XCTAssertEqual(pa.weight.builtForms.winograd, pb.weight.builtForms.winograd)
            XCTAssertEqual(pa.bias?.toArray(), pb.bias?.toArray())
            XCTAssertEqual(pa.weight.weight?.toArray(), pb.weight.weight?.toArray())
        }
        let input = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 1)
        let before = pooledConvs.map(\.preparationCount)
        XCTAssertEqual(try pooled.forward(input).toArray(), try serial.forward(input).toArray())
        XCTAssertEqual(pooledConvs.map(\.preparationCount), before, "the pass found every convolution prepared")
    }

    /// Layer 3's convolution has lost its weight: preparation fails there, with its location.
    func testAFailingConvolutionIsReportedAtItsLayer() throws {
        ZooCPUSettings.threadCount = 2
        let report = try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64))
        let m = try XCTUnwrap(report.model)
        try m.initializeSeededWeights(seed: 0, prepare: false)
        let conv = try XCTUnwrap(m.nodes[3].layer.allModules().compactMap { $0 as? Conv2d }.first)
        conv.weight.value = nil
        XCTAssertThrowsError(try m.prepareForInference(imageSize: (64, 64))) { error in
            XCTAssertTrue("\(error)".contains("tiny.yaml:8:5: error: layer 3 (Conv): a convolution weight has no value"), "\(error)")
        }
    }
}

extension ParallelPreparationTests {
    /// A batch norm is folded in as the weights are packed: the prepared form holds the
    /// model's own weight tensor, not a folded copy, except where the depthwise loop reads one.
    func testFoldedConvolutionsKeepNoCopyOfTheirWeight() throws {
        let (_, convs) = try seededModel(threads: 2)
        var checked = 0
        for conv in convs {
            guard let p = conv.preparation, p.batchNorm != nil else { continue }
            XCTAssertTrue(p.weight.weight === conv.weight.value, "\(Shape.text(conv.weight.shape)): a copy was kept")
            XCTAssertEqual(p.weight.rowScales?.count, conv.outChannels)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }
}

extension ParallelPreparationTests {
    /// Only convolutions with more than a thread's share of all the weights are prepared alone
    /// (their forms built on every thread); on one thread none is.
    func testHeavyConvolutionsAreThoseOverAThreadsShare() {
        XCTAssertEqual(ParallelPreparation.heavyCount([10, 3, 3, 3], threads: 2), 1)
        XCTAssertEqual(ParallelPreparation.heavyCount([5, 5], threads: 2), 0, "exactly half is a share, not more")
        XCTAssertEqual(ParallelPreparation.heavyCount([40, 30, 20, 10], threads: 4), 2)
        XCTAssertEqual(ParallelPreparation.heavyCount([10, 3], threads: 1), 0)
        XCTAssertEqual(ParallelPreparation.heavyCount([], threads: 2), 0)
    }
}
