import Foundation
import LayerZoo
import LayerZooCheckpoint
import LayerZooTestSupport
import XCTest
import ZooCPU

/// An Ultralytics checkpoint whose model is an `RTDETRDetectionModel` loads like any other:
/// its YAML, names and tensors, and the model it describes computes PyTorch's output.
final class RTDETRCheckpointTests: XCTestCase {
    func testRTDETRCheckpointLoadsAndMatchesPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/rtdetr_tiny", withExtension: "pt"),
                                "missing rtdetr_tiny.pt: run scripts/fixtures/gen_rtdetr_decoder_fixtures.py")
        let checkpoint = try PyTorchCheckpoint(path: url.path)
        XCTAssertEqual(checkpoint.modelClass, "ultralytics.nn.tasks.RTDETRDetectionModel")
        XCTAssertEqual(checkpoint.names, ["cat", "dog", "bird"])
        let io = try fixture("rtdetr_tiny_io")
        let input = try io.tensor("input")
        let options = CheckOptions(imageHeight: input.shape[2], imageWidth: input.shape[3], batch: input.shape[0])
        let report = ModelChecker(registry: try standardRegistry()).check(try XCTUnwrap(checkpoint.configSource), options: options)
        let model = try XCTUnwrap(report.model, "\(report.diagnostics)")
        try model.loadWeights(checkpoint.tensors)
        assertDetectionsMatch(try model.forward(input), try io.tensor("output"), "rtdetr_tiny.pt")
    }
}
