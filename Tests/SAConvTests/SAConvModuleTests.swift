import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooSAConv
import LayerZooStandard
import XCTest
import ZooCPU

/// Single modules against the reference PyTorch implementation (scripts/fixtures/seed_modules/
/// saconv.py) with random weights, randomised BN statistics and non-trivial switch, context,
/// gamma/beta and weight_diff values.
final class SAConvModuleTests: XCTestCase {
    static let cases = ["saconv_s1_d1", "saconv_s2_d1", "saconv_s1_d2", "saconv_s2_d2", "saconv_g2_k5_noact_nobias",
                        "c2f_saconv", "c3_saconv"]

    /// Builds the fixture's module through the registered definition, as a YAML row would.
    func build(_ file: SafeTensorsFile) throws -> any Layer {
        let name = try XCTUnwrap(file.metadata["module"])
        let json = try XCTUnwrap(file.metadata["args"]?.data(using: .utf8))
        let given = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let definition = try XCTUnwrap(SAConvLayers.definitions.first { $0.name == name }, name)
        var values: [ArgValue] = []
        for spec in definition.arguments {
            switch given[spec.name] {
            case let s as String where s == "True" || s == "False": values.append(.bool(s == "True"))
            case let i as Int: values.append(.int(i))
            case nil: values.append(try XCTUnwrap(spec.defaultValue, "\(name): no value for \(spec.name)"))
            case let other: XCTFail("\(name): unexpected \(spec.name) = \(String(describing: other))")
            }
        }
        let layer = try definition.make(LayerArguments(specs: definition.arguments, values: values), ModelContext())
        // A standalone PyTorch module keeps BatchNorm2d's eps (1e-5); the fixture says which.
        let eps = try XCTUnwrap(Float(file.metadata["eps"] ?? ""))
        for case let bn as BatchNorm2d in layer.allModules() { bn.eps = eps }
        return layer
    }

    func load(_ layer: any Layer, from file: SafeTensorsFile) throws {
        for (key, parameter) in layer.namedTensors() where !key.hasSuffix("num_batches_tracked") {
            parameter.value = try file.tensor("state." + key, expectedShape: parameter.shape)
        }
        try layer.prepareTreeForInference()
    }

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let layer = try build(file)
            let json = try XCTUnwrap(file.metadata["keys"]?.data(using: .utf8))
            let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [[Any]])
            let keys = expected.compactMap { $0.first as? String }
            let shapes = expected.compactMap { $0.last as? [Int] }
            XCTAssertEqual(layer.namedTensors().map(\.key), keys, name)
            XCTAssertEqual(layer.namedTensors().map(\.parameter.shape), shapes, name)
            XCTAssertEqual(layer.parameterCount, Int(file.metadata["parameters"] ?? ""), name)
        }
    }

    func testOutputsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let layer = try build(file)
            try load(layer, from: file)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let output = try layer.forward([input], on: CPUBackend())
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = relativeError(output, expected)
            print("\(name): max relative error \(error)")
            XCTAssertLessThan(error, 1e-4, name)
        }
    }

    /// thop's count for the module (its own Conv2d rule once, the switch and context 1×1
    /// convs, the batch norms; nothing for the functional pools or the second convolution).
    func testShapesAndThopCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let layer = try build(file)
            let backend = ShapeBackend()
            let out = try layer.forward([ShapeValue(try XCTUnwrap(file.entry("input")).shape)], on: backend)
            XCTAssertEqual(out.dims, try XCTUnwrap(file.entry("output")).shape, name)
            XCTAssertEqual(backend.macs, Int(file.metadata["macs"] ?? ""), name)
        }
    }

    func testSpecificationParameterCount() throws {
        let m = try SAConv2d(32, 64, k: IntOrPair(3))
        XCTAssertEqual(m.parameterCount, 42_305)
        XCTAssertEqual(m.namedTensors().map(\.key),
                       ["weight", "bias", "weight_diff", "weight_gamma", "weight_beta", "switch.weight", "switch.bias",
                        "pre_context.weight", "pre_context.bias", "post_context.weight", "post_context.bias",
                        "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
    }

    /// Dilation enters the padding (the seed's slip, fixed): the long branch gets 3× both.
    func testPaddingFollowsDilation() throws {
        let m = try SAConv2d(8, 8, k: IntOrPair(3), d: IntOrPair(2))
        XCTAssertEqual(m.padding, IntOrPair(2))
        XCTAssertEqual(m.longPadding, IntOrPair(6))
        XCTAssertEqual(m.longDilation, IntOrPair(6))
        XCTAssertEqual(try SAConv2d(8, 8, k: IntOrPair(3), p: IntOrPair(0)).longPadding, IntOrPair(0))
    }

    /// The standardised weights are computed at preparation, not per call: changing the raw
    /// weight afterwards changes nothing until the module is prepared again.
    func testStandardisedWeightsArePreparedOnce() throws {
        let file = try fixture("modules/saconv_s1_d1")
        let layer = try build(file)
        try load(layer, from: file)
        let input = try file.tensor("input"), expected = try file.tensor("output")
        let m = try XCTUnwrap(layer as? SAConv2d)
        m.weight.value = try Tensor(shape: m.weight.shape, repeating: 0.5)
        XCTAssertLessThan(relativeError(try m.forward([input], on: CPUBackend()), expected), 1e-4)
        try m.prepareForInference()
        XCTAssertGreaterThan(relativeError(try m.forward([input], on: CPUBackend()), expected), 1e-2)
    }

    /// The seed's fallback for checkpoints without gamma/beta makes W' the raw weight.
    func testResetAffineReproducesTheRawWeight() throws {
        let m = try SAConv2d(6, 4, k: IntOrPair(3), g: 2)
        let w = try Tensor(shape: m.weight.shape, data: (0..<m.weight.count).map { Float(($0 * 37) % 23) / 10 - 1 })
        m.weight.value = w
        try m.resetAffineFromWeight()
        let shape = try XCTUnwrap(m.weightGamma.value).shape
        XCTAssertEqual(shape, [4, 1, 1, 1])
        XCTAssertEqual(m.namedTensors().first { $0.key == "weight_gamma" }?.parameter.countsAsParameter, false)
        // Only the standardisation is prepared here; the rest of the module needs no values for it.
        let gamma = try XCTUnwrap(m.weightGamma.value), beta = try XCTUnwrap(m.weightBeta.value)
        let per = w.count / 4
        for o in 0..<4 {
            let row = Array(w.toArray()[(o * per)..<((o + 1) * per)])
            let mean = row.reduce(0, +) / Float(per)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(per - 1)
            XCTAssertEqual(beta.pointer[o], mean, accuracy: 1e-6)
            XCTAssertEqual(gamma.pointer[o], (variance + 1e-5).squareRoot(), accuracy: 1e-6)
        }
    }

    func testForwardBeforePreparationFailsClearly() throws {
        let m = try SAConv2d(4, 4, k: IntOrPair(3))
        XCTAssertThrowsError(try m.forward([try Tensor(shape: [1, 4, 8, 8])], on: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("has no value"), "\(error)")
        }
    }
}
