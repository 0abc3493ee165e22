import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// SemanticSegment alone, with PyTorch's random init on random feature maps, so that the class
/// map uses many classes (scripts/fixtures/gen_task_fixtures.py, semantic_module_case).
final class DenseHeadTests: XCTestCase {
    func testSemanticSegmentModuleClassMapMatchesPyTorch() throws {
        let file = try safeTensorsFixture("modules/semantic_segment", in: .module, generator: "gen_task_fixtures.py")
        let head = try SemanticSegment(nc: 19, ch: [16, 32])
        for case let bn as BatchNorm2d in head.allModules() { bn.eps = 1e-5 }  // a standalone PyTorch module's
        for (key, parameter) in head.namedTensors() where !key.hasSuffix("num_batches_tracked") {
            parameter.value = try file.tensor("state." + key, expectedShape: parameter.shape)
        }
        let map = try head.forward([try file.tensor("input0"), try file.tensor("input1")], on: CPUBackend())
        let expected = try file.tensor("output0"), logits = try file.tensor("logits")
        XCTAssertEqual(map.shape, expected.shape)
        let (n, classes, plane) = (logits.shape[0], logits.shape[1], logits.shape[2] * logits.shape[3])
        let l = logits.toArray(), a = map.toArray(), e = expected.toArray()
        let magnitude = l.map(abs).max() ?? 1
        var decided = 0
        for image in 0..<n {
            for i in 0..<plane {
                let scores = (0..<classes).map { l[(image * classes + $0) * plane + i] }.sorted(by: >)
                guard scores[0] - scores[1] > 1e-4 * magnitude else { continue }
                decided += 1
                XCTAssertEqual(a[image * plane + i], e[image * plane + i], "image \(image) pixel \(i)")
            }
        }
        XCTAssertGreaterThan(decided, 9 * (n * plane) / 10)
        XCTAssertGreaterThan(Set(e).count, 5, "the fixture should use many classes")
    }
}
