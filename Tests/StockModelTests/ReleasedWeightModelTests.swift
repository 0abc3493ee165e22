import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// A stock model prepared with `releasingSourceWeights` keeps only the packed forms of its
/// convolutions, counts as before, and still computes what Ultralytics computes — at the size
/// it was prepared for, and at a smaller one whose maps would pick GEMM for layers that kept
/// only their Winograd form — without preparing anything again.
extension StockModuleTests {
    func testReleasedWeightsRunAsUltralytics() throws {
        for (name, file, scale) in [("yolov3-tiny_b2_64x96", "v3/yolov3-tiny.yaml", nil),
                                    ("yolov6n_b2_64x96", "v6/yolov6.yaml", "n")] as [(String, String, String?)] {
            let f = try fixture(name)
            let input = try f.tensor("input"), expected = try f.tensor("output")
            let released = try model(file, scale: scale), kept = try model(file, scale: scale)
            try released.initializeSeededWeights(seed: 0, prepare: false)
            try kept.initializeSeededWeights(seed: 0)
            try released.prepareForInference(imageSize: (input.shape[2], input.shape[3]), releasingSourceWeights: true)

            let convs = released.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } }
            XCTAssertFalse(convs.isEmpty, name)
            for conv in convs where conv.groups == 1 {
                XCTAssertNil(conv.weight.value, "\(name): a \(conv.weight.shape) weight stays beside its packed form")
            }
            XCTAssertEqual(released.parameterCount, Int(f.metadata["parameters"] ?? ""), name)
            let preparations = convs.map(\.preparationCount)

            let output = try released.forward(input)
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = detectionErrors(output, expected)
            XCTAssertLessThan(error.boxes, 1e-4, "\(name) boxes")
            XCTAssertLessThan(error.scores, 1e-4, "\(name) scores")

            let small = try SeededWeights.input(shape: [1, 3, 32, 32], seed: 5)
            let y = try released.forward(small), reference = try kept.forward(small)
            let smallError = detectionErrors(y, reference)
            XCTAssertLessThan(max(smallError.boxes, smallError.scores), 1e-4, "\(name) at 32×32")
            XCTAssertEqual(convs.map(\.preparationCount), preparations, "\(name): a released convolution was prepared again")
        }
    }
}
