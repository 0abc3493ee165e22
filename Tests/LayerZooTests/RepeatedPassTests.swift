import Foundation
import LayerZoo
import LayerZooTestSupport
import ZooCPU
import XCTest

/// Passes on one backend run in the buffers its `BufferPlan` placed after the first pass at a
/// size: every pass still equals PyTorch, whatever sizes came before, and an output the caller
/// keeps is not overwritten by later passes.
extension ModelForwardTests {
    func testRepeatedPassesOnOneBackendMatchPyTorch() throws {
        for config in ["yolov8.yaml", "yolo11.yaml"] {
            let m = try model(try XCTUnwrap(BundledConfigs.files[config]), file: config, scale: "n")
            try m.initializeSeededWeights(seed: 0)
            let stem = config.dropLast(5) + "n"
            let large = try fixture(stem + "_b2_64x96"), small = try fixture(stem + "_b1_64")
            let fixtures = stem == "yolov8n" ? [large, large, large, small, large, large] : [large, large, small, large]
            let backend = CPUBackend()
            var kept: [(output: Tensor, values: [Float])] = []
            for (pass, file) in fixtures.enumerated() {
                let output = try m.forward(try file.tensor("input"), on: backend)
                let error = detectionErrors(output, try file.tensor("output"))
                XCTAssertLessThan(error.boxes, 1e-4, "\(stem) pass \(pass) boxes")
                XCTAssertLessThan(error.scores, 1e-4, "\(stem) pass \(pass) scores")
                if pass > 0, fixtures[pass - 1] === file {
                    XCTAssertGreaterThan(backend.bufferPlan.lastPassServed, 0, "\(stem) pass \(pass) ran outside the plan")
                }
                kept.append((output, output.toArray()))
            }
            for (pass, k) in kept.enumerated() {
                XCTAssertEqual(k.output.toArray(), k.values, "\(stem): pass \(pass)'s output changed under later passes")
            }
        }
    }
}
