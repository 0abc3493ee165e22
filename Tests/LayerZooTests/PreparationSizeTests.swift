import Foundation
@testable import LayerZoo
import LayerZooTestSupport
import ZooCPU
import XCTest

/// A model prepared for the size it runs at packs each convolution in the form the backend runs
/// there, and nothing else: the first pass packs nothing, and no unused Winograd form is made.
final class PreparationSizeTests: XCTestCase {
    func preparedModel(imageSize: (height: Int, width: Int)?) throws -> (Model, [Conv2d]) {
        let report = try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64))
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        let m = try XCTUnwrap(report.model)
        try m.initializeSeededWeights(seed: 0, prepare: false)
        try m.prepareForInference(imageSize: imageSize)
        return (m, m.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } })
    }

    func forms(_ convs: [Conv2d]) -> [String] {
        convs.map { conv in conv.preparation.map { "gemm \($0.weight.builtForms.gemm) winograd \($0.weight.builtForms.winograd)" } ?? "none" }
    }

    func testTheFirstPassAtThePreparedSizePacksNothing() throws {
        let (m, convs) = try preparedModel(imageSize: (64, 64))
        let prepared = forms(convs)
        XCTAssertTrue(prepared.contains("gemm false winograd true"), "the 16×16 maps run Winograd: \(prepared)")
        _ = try m.forward(try SeededWeights.input(shape: [1, 3, 64, 64], seed: 3), on: CPUBackend())
        XCTAssertEqual(forms(convs), prepared, "the first pass must find every form it runs made")

        // Prepared for no size, the 3×3 convolutions on 8×8 maps (Detect's stride-32 branch)
        // get a Winograd form they never run, and the first pass packs their GEMM form too.
        let (unsized, unsizedConvs) = try preparedModel(imageSize: nil)
        let before = forms(unsizedConvs)
        _ = try unsized.forward(try SeededWeights.input(shape: [1, 3, 64, 64], seed: 3), on: CPUBackend())
        XCTAssertNotEqual(forms(unsizedConvs), before, "the check must be able to fail")
        XCTAssertEqual(forms(unsizedConvs).filter { $0 == "gemm true winograd true" }.count,
                       zip(forms(unsizedConvs), prepared).filter { $0 != $1 }.count)
    }
}
