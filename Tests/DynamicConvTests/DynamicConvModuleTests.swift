import Foundation
import LayerZoo
import LayerZooTestSupport
@testable import LayerZooDynamicConv
import XCTest
import ZooCPU

/// Single modules (Dynamic_conv2d, C2f_DynamicConv, C3_DynamicConv) against the PyTorch
/// reference of scripts/fixtures/seed_modules/dynamicconv.py, random weights, BN eps 1e-5.
final class DynamicConvModuleTests: XCTestCase {
    static let cases = [
        "dynamic_b1_K4_g1", "dynamic_b3_K4_g1", "dynamic_b3_K2_g2_s2", "dynamic_b1_K2_g2_s2",
        "dynamic_b3_K4_g2_d2_nobias", "dynamic_b3_K3_depthwise_s2_p0", "dynamic_b3_K2_1x1", "dynamic_b2_K4_5x5_s2_p0",
        "c2f_dynamicconv_b3", "c3_dynamicconv_b3_g2",
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
        for name in Self.cases {
            let file = try fixture("module_\(name)")
            let module = try makeModule(file)
            try loadModuleWeights(module, from: file)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let output = try module.forward([input], on: CPUBackend())
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = relativeError(output, expected)
            print("\(name): max relative error \(error)")
            XCTAssertLessThan(error, 1e-4, name)
        }
    }

    /// Each sample of a batch gets its own attention (the fixtures are built so that rows
    /// differ), and ours equals PyTorch's.
    func testAttentionIsPerSample() throws {
        for name in Self.cases where name.hasPrefix("dynamic_") {
            let file = try fixture("module_\(name)")
            let conv = try XCTUnwrap(try makeModule(file) as? DynamicConv2d)
            try loadModuleWeights(conv, from: file)
            let a = try conv.attention(try file.tensor("input"), on: CPUBackend())
            let expected = try file.tensor("attention")
            XCTAssertEqual(a.shape, [expected.shape[0], conv.K], name)
            XCTAssertLessThan(relativeError(a, expected), 1e-5, name)
            let rows = a.toArray()
            for n in 0..<a.shape[0] {
                XCTAssertEqual(rows[(n * conv.K)..<((n + 1) * conv.K)].reduce(0, +), 1, accuracy: 1e-5, name)
            }
            if a.shape[0] > 1 {
                let spread = (conv.K..<rows.count).map { abs(rows[$0] - rows[$0 % conv.K]) }.max() ?? 0
                XCTAssertGreaterThan(spread, 0.1, "\(name): samples should have different attention")
            }
        }
    }

    /// A sample's result does not depend on the rest of its batch: running sample n alone
    /// gives batch row n (each sample is convolved with its own aggregated kernel).
    func testBatchRowsEqualSingleSampleRuns() throws {
        for name in ["dynamic_b3_K2_g2_s2", "dynamic_b3_K4_g2_d2_nobias", "c3_dynamicconv_b3_g2"] {
            let file = try fixture("module_\(name)")
            let module = try makeModule(file)
            try loadModuleWeights(module, from: file)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let n = input.shape[0]
            let inPer = input.count / n, outPer = expected.count / n
            for s in 0..<n {
                let x = try Tensor(shape: [1] + input.shape.dropFirst(), data: Array(input.toArray()[(s * inPer)..<((s + 1) * inPer)]))
                let y = try module.forward([x], on: CPUBackend())
                let e = try Tensor(shape: [1] + expected.shape.dropFirst(),
                                   data: Array(expected.toArray()[(s * outPer)..<((s + 1) * outPer)]))
                XCTAssertLessThan(relativeError(y, e), 1e-4, "\(name) sample \(s)")
            }
        }
    }

    /// The scratch buffers are reused across calls and layers: alternating batch sizes and
    /// modules must not leak one call's kernels into another.
    func testRepeatedCallsWithDifferentBatchesAgree() throws {
        let big = try fixture("module_dynamic_b3_K4_g1"), small = try fixture("module_dynamic_b1_K2_g2_s2")
        let a = try makeModule(big), b = try makeModule(small)
        try loadModuleWeights(a, from: big)
        try loadModuleWeights(b, from: small)
        let backend = CPUBackend()
        for _ in 0..<3 {
            let ya = try a.forward([try big.tensor("input")], on: backend)
            XCTAssertLessThan(relativeError(ya, try big.tensor("output")), 1e-4)
            let yb = try b.forward([try small.tensor("input")], on: backend)
            XCTAssertLessThan(relativeError(yb, try small.tensor("output")), 1e-4)
        }
    }

    /// thop (what Ultralytics' get_flops runs) counts the attention's pooling and 1×1 convs,
    /// and the batch norms and convs of the CSP layers, but not the functional dynamic
    /// convolution; the shape backend must count the same.
    func testThopCountsMatch() throws {
        for name in Self.cases {
            let file = try fixture("module_\(name)")
            let module = try makeModule(file)
            let backend = ShapeBackend()
            let out = try module.forward([ShapeValue(try XCTUnwrap(file.entry("input")).shape)], on: backend)
            XCTAssertEqual(out.dims, file.entry("output")?.shape, name)
            XCTAssertEqual(backend.macs, Int(try XCTUnwrap(file.metadata["thop_macs"])), name)
        }
    }

    func testForwardBeforeWeightsIsAnErrorNotACrash() throws {
        let conv = try DynamicConv2d(8, 16, kernelSize: 3, padding: IntOrPair(1))
        XCTAssertThrowsError(try conv.forward([try Tensor(shape: [1, 8, 8, 8])], on: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("has no value"), "\(error)")
        }
        XCTAssertThrowsError(try conv.prepareForInference()) { error in
            XCTAssertTrue("\(error)".contains("Dynamic_conv2d weight has no value"), "\(error)")
        }
    }

    func testWrongInputChannelsAreRejected() throws {
        let file = try fixture("module_dynamic_b1_K4_g1")
        let module = try makeModule(file)
        try loadModuleWeights(module, from: file)
        XCTAssertThrowsError(try module.forward([try Tensor(shape: [1, 5, 8, 8])], on: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("expects 8 input channels but receives 5"), "\(error)")
        }
    }
}
