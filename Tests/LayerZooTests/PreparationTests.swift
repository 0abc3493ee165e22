import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import ZooCPU
import XCTest

/// Weights are prepared once, at load (packed, batch norms folded), and owned by the model:
/// a backend reused across loads runs the new weights, and repeated passes pack nothing.
final class PreparationTests: XCTestCase {
    func builtModel() throws -> Model {
        let report = try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64))
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        return try XCTUnwrap(report.model)
    }

    func convolutions(_ m: Model) -> [Conv2d] {
        m.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } }
    }

    /// Seeded weights stand in for two checkpoints A and B; the same backend runs both.
    func testReusedBackendRunsTheWeightsLoadedLast() throws {
        let input = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 7)
        let backend = CPUBackend()
        let m = try builtModel()
        try m.initializeSeededWeights(seed: 1)
        let a = try m.forward(input, on: backend)
        try m.initializeSeededWeights(seed: 2)
        let b = try m.forward(input, on: backend)

        let fresh = try builtModel()
        try fresh.initializeSeededWeights(seed: 2)
        let expected = try fresh.forward(input, on: CPUBackend())
        XCTAssertLessThan(relativeError(b, expected), 1e-6, "the reused backend must run B's weights")
        XCTAssertGreaterThan(relativeError(a, expected), 1e-3, "A and B must differ for the check to mean anything")
    }

    /// Loading prepares each convolution once; 100 passes (fresh backends included) prepare
    /// nothing more. Setting a weight by hand makes exactly that convolution prepare again.
    func testHundredPassesPrepareOnce() throws {
        let m = try builtModel()
        try m.initializeSeededWeights(seed: 0)
        let convs = convolutions(m)
        let prepared = convs.filter { $0.preparationCount > 0 }
        XCTAssertGreaterThan(prepared.count, 10)
        XCTAssertTrue(prepared.allSatisfy { $0.preparationCount == 1 }, "\(prepared.map(\.preparationCount))")
        let before = convs.map(\.preparationCount)
        let input = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 0)
        let backend = CPUBackend()
        let first = try m.forward(input, on: backend)
        for i in 0..<99 { _ = try m.forward(input, on: i % 2 == 0 ? backend : CPUBackend()) }
        XCTAssertEqual(convs.map(\.preparationCount), before, "forward passes must not prepare weights")
        XCTAssertEqual(try m.forward(input).toArray(), first.toArray())

        let changed = try XCTUnwrap(prepared.first)
        changed.weight.value = try changed.weight.value?.copy()
        _ = try m.forward(input, on: backend)
        XCTAssertEqual(changed.preparationCount, 2, "a replaced weight tensor is prepared again")
        XCTAssertEqual(convs.map(\.preparationCount).reduce(0, +), before.reduce(0, +) + 1)
    }
}
