import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Bottleneck shortcuts added in the convolution's store path (`ZooCPUSettings.fusesResidualAdds`)
/// against the separate add, on stock models whose CSP blocks have them (C3 in YOLOv5, C2f in
/// YOLOv8, C3k2/C3k in YOLO11, RepNCSPELAN4's RepBottleneck in YOLOv9): the same outputs bit
/// for bit, and no elementwise pass left with the fusion on where every add is a shortcut
/// (YOLO11's attention keeps its positional-encoding add, before `proj`).
extension StockModuleTests {
    func testResidualAddsInStorePathEqualSeparateAdds() throws {
        defer { ZooCPUSettings.fusesResidualAdds = true }
        let input = try SeededWeights.input(shape: [2, 3, 64, 96], seed: 7)
        for (file, scale, onlyShortcuts) in [("v5/yolov5.yaml", "n", true), ("v8/yolov8.yaml", "n", true),
                                             ("11/yolo11.yaml", "n", false), ("v9/yolov9t.yaml", nil, true)]
            as [(String, String?, Bool)] {
            let m = try model(file, scale: scale)
            try m.initializeSeededWeights(seed: 0)
            var outputs: [[Float]] = []
            var elementwise: [Double?] = []
            for fuses in [false, true] {
                ZooCPUSettings.fusesResidualAdds = fuses
                let backend = CPUBackend()
                backend.isProfiling = true
                outputs.append(try m.forward(input, on: backend).toArray())
                elementwise.append(backend.profile["elementwise"])
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(file): fused shortcuts changed the output")
            XCTAssertNotNil(elementwise[0], "\(file): the unfused pass ran no add (the model has no shortcut?)")
            if onlyShortcuts { XCTAssertNil(elementwise[1], "\(file): an add still ran as its own pass") }
        }
    }
}
