@testable import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Sibling convolutions run as one GEMM (`ZooCPUSettings.mergesSiblingConvolutions`) against
/// each run alone, on stock models that have them: YOLOv5's C3 (`cv1`, `cv2`: 1×1 on x) and
/// its Detect's first 3×3 convs of each level (which at this size run GEMM, not Winograd),
/// YOLO11's C3k, YOLOv8's Detect: the same outputs bit for bit, and the merged outputs really handed out.
extension StockModuleTests {
    func testSiblingConvolutionsInOneGEMMEqualSeparateOnes() throws {
        defer { ZooCPUSettings.mergesSiblingConvolutions = false }
        let input = try SeededWeights.input(shape: [1, 3, 64, 96], seed: 8)
        for (file, scale, linked) in [("v5/yolov5.yaml", "n", 22), ("11/yolo11.yaml", "n", 6), ("v8/yolov8.yaml", "n", 6)]
            as [(String, String?, Int)] {
            let m = try model(file, scale: scale)
            try m.initializeSeededWeights(seed: 0)
            let convs = m.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? Conv2d } }
            XCTAssertEqual(convs.filter { $0.siblings != nil }.count, linked, "\(file): convolutions linked to siblings")
            var outputs: [[Float]] = []
            for merges in [false, true] {
                ZooCPUSettings.mergesSiblingConvolutions = merges
                let backend = CPUBackend()
                outputs.append(try m.forward(input, on: backend).toArray())
                outputs.append(try m.forward(input, on: backend).toArray())
                // Pairs: one output handed out per pair and pass.
                XCTAssertEqual(backend.siblingOutputs.handedOut, merges ? linked : 0, "\(file) merged=\(merges)")
            }
            XCTAssertEqual(outputs[0], outputs[2], "\(file): the stacked GEMM changed the output")
            XCTAssertEqual(outputs[1], outputs[3], "\(file): the second merged pass changed the output")
        }
    }
}
