import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooC3k2Variants
import XCTest
import ZooCPU

/// The C3k2 variants (C3k2_SAConv both variants, C3k2_SC, C3k2_ScConv) and the Conv + DBB C2f_DBB
/// against the PyTorch twins of scripts/fixtures/community_modules/c3k2_variants.py (random weights
/// and BN statistics).
final class C3k2VariantModuleTests: XCTestCase {
    static let cases = [
        "c3k2_saconv_b2", "c3k2_saconv_c3k_g2_b1", "c3k2_saconv_shadowed_b1", "c3k2_sc_b1", "c3k2_sc_c3k_b2",
        "c3k2_scconv_c3k_b2", "c2f_dbb_conv_dbb_b2",
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
        print("C3k2 variant modules: max relative error \(worst)")
    }

    /// thop's count of one sample equals the traced multiply-accumulates at batch 1.
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
}

