@testable import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// `Model.prepareToRun(imageSize:directConvolutions:)`, what `run` and `predict` prepare with:
/// only the packed forms stay, and for inputs with NaN the direct forms are the ones packed,
/// so that the model still computes what a model keeping its weights computes.
final class RunOnlyPreparationTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.winograd = true
    }

    func models() throws -> (released: Model, kept: Model, convs: [Conv2d]) {
        let report = try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64))
        let released = try XCTUnwrap(report.model)
        let kept = try XCTUnwrap(try check(tinyModel, file: "tiny.yaml", scale: "n", imgsz: (64, 64)).model)
        try released.initializeSeededWeights(seed: 3, prepare: false)
        try kept.initializeSeededWeights(seed: 3, prepare: false)
        return (released, kept, released.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } })
    }

    func testOnlyThePackedFormsStay() throws {
        let (released, kept, convs) = try models()
        try released.prepareToRun(imageSize: (64, 64), directConvolutions: false)
        try kept.prepareForInference(imageSize: (64, 64))
        XCTAssertTrue(convs.contains { $0.preparation?.weight.builtForms.winograd == true }, "some 3×3 conv runs Winograd at 64×64")
        for conv in convs where conv.groups == 1 {
            XCTAssertNil(conv.weight.value, "a \(conv.weight.shape) weight stays beside its packed form")
        }
        let x = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 2)
        XCTAssertEqual(try released.forward(x).toArray(), try kept.forward(x).toArray())
    }

    /// A NaN pixel with direct convolutions: nothing is packed for Winograd, the weights still
    /// go, and the pass runs (a released weight cannot be packed anew) and spreads the NaN as a
    /// model that kept its weights and runs direct.
    func testNonFiniteInputsPackTheDirectFormsBeforeTheWeightsGo() throws {
        let (released, kept, convs) = try models()
        try released.prepareToRun(imageSize: (64, 64), directConvolutions: true)
        XCTAssertFalse(ZooCPUSettings.winograd)
        for conv in convs where conv.groups == 1 {
            XCTAssertNil(conv.weight.value, "a \(conv.weight.shape) weight stays beside its packed form")
            XCTAssertEqual(conv.preparation?.weight.builtForms.winograd, false, "a \(conv.weight.shape) weight packed for Winograd")
        }
        try kept.prepareForInference(imageSize: (64, 64))
        let x = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 2)
        x.pointer[4100] = .nan
        let y = try released.forward(x).toArray(), reference = try kept.forward(x).toArray()
        XCTAssertEqual(y.count, reference.count)
        XCTAssertEqual(y.map(\.isNaN), reference.map(\.isNaN))
        XCTAssertGreaterThan(y.filter(\.isNaN).count, 0, "the NaN reaches the output")
    }
}
