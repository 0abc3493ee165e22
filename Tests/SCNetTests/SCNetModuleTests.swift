import Foundation
import LayerZoo
import LayerZooTestSupport
@testable import LayerZooSCNet
import XCTest
import ZooCPU

/// SCNet's SCConv and its CSP layers (and the ScConv-based C2f_SCConv variant) against the
/// PyTorch twins of scripts/fixtures/community_modules/scnet.py: random weights and BN statistics,
/// maps the pooling ratio does not divide.
final class SCNetModuleTests: XCTestCase {
    static let cases = [
        "scconv_b2_13x11", "scconv_s2_b1", "scconv_d2_g2_r2_b2", "scconv_r5_b1", "c2f_scconv_b2", "c3_scconv_b2_shortcut",
        "c3_scconv_b1", "c3k2_scconv_c3k_b2", "c3k2_scconv_c3k_g2_noshortcut_b1", "c2f_scconv2023_b2",
    ]

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("module_\(name)")
            let module = try makeModule(file)
            let keys = try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(file.metadata["keys"]).utf8))
            let ours = module.namedTensors()
            XCTAssertEqual(ours.map(\.key), keys, "\(name): state_dict keys or their order differ")
            for (key, parameter) in ours {
                XCTAssertEqual(parameter.shape, file.entry("module.\(key)")?.shape, "\(name): \(key)")
            }
            XCTAssertEqual(module.parameterCount, Int(try XCTUnwrap(file.metadata["parameters"])), name)
        }
    }

    func testOutputsMatchPyTorch() throws {
        var worst: Float = 0
        for name in Self.cases {
            let file = try fixture("module_\(name)")
            let module = try makeModule(file)
            try loadModuleWeights(module, from: file)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let output = try module.forward([input], on: CPUBackend())
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = relativeError(output, expected)
            worst = max(worst, error)
            XCTAssertLessThan(error, 1e-4, name)
        }
        print("SCNet modules: max relative error \(worst)")
    }

    /// thop's count of one sample: the three Convs, the pooling module; the gate counts nothing.
    func testMacsMatchThop() throws {
        for name in Self.cases {
            let file = try fixture("module_\(name)")
            let module = try makeModule(file)
            let input = try file.tensor("input")
            let backend = ShapeBackend()
            _ = try module.forward([ShapeValue([1] + Array(input.shape.dropFirst()))], on: backend)
            XCTAssertEqual(backend.macs, Int(try XCTUnwrap(file.metadata["thop_macs"])), name)
        }
    }

    /// PyTorch's nearest resize to a given size: floor(i · in / out), clamped.
    func testNearestIndices() {
        var rows = [Float](repeating: -1, count: 13)
        rows.withUnsafeMutableBufferPointer { SelfCalibrationGate.nearest($0.baseAddress!, count: 13, from: 3) }
        XCTAssertEqual(rows, [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    }
}
