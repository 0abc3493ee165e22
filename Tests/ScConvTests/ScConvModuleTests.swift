import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooScConv
import XCTest
import ZooCPU

/// ScConv, C2f_ScConv and C3_ScConv against the reference PyTorch modules
/// (scripts/fixtures/seed_modules/scconv.py): state_dict keys and shapes, parameter counts,
/// thop counts and forward values, batch 2, random weights including SRU's gamma/beta and
/// every batch-norm statistic.
final class ScConvModuleTests: XCTestCase {
    static let cases = ["scconv_c16", "scconv_c32", "scconv_c64_args", "scconv_c96", "scconv_c96_alpha", "scconv_c32_ties",
                        "c2f_scconv", "c3_scconv", "c3_scconv_noshortcut"]

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let layer = try moduleFromFixture(file)
            let keys = try JSONDecoder().decode([[FixtureKey]].self, from: Data(try XCTUnwrap(file.metadata["keys"]).utf8))
            let expected = keys.map { pair -> String in
                guard case .name(let key) = pair[0], case .shape(let shape) = pair[1] else { return "?" }
                return "\(key) \(shape)"
            }
            XCTAssertEqual(layer.namedTensors().map { "\($0.key) \($0.parameter.shape)" }, expected, name)
            XCTAssertEqual(layer.parameterCount, Int(try XCTUnwrap(file.metadata["parameters"])), name)
        }
    }

    func testTheSpecExampleHas1952Parameters() throws {
        XCTAssertEqual(try ScConv(32).parameterCount, 1_952)
        XCTAssertEqual(try ScConv(32).namedTensors().map(\.key),
                       ["SRU.gn.gamma", "SRU.gn.beta", "CRU.squeeze1.weight", "CRU.squeeze2.weight", "CRU.GWC.weight",
                        "CRU.GWC.bias", "CRU.PWC1.weight", "CRU.PWC2.weight"])
    }

    func testOutputsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let layer = try moduleFromFixture(file)
            let input = try file.tensor("input"), expected = try file.tensor("output")
            let output = try layer.forward([input], on: CPUBackend())
            XCTAssertEqual(output.shape, expected.shape, name)
            let error = relativeError(output, expected)
            print("\(name): max relative error \(error)")
            XCTAssertLessThan(error, 1e-4, name)
        }
    }

    /// The tie fixture has channels whose gamma is exactly 0, so their gate value is exactly
    /// sigmoid(0) = 0.5 = the threshold: PyTorch's `>=` puts them in the informative part.
    /// Sending them to the other part instead must visibly change the output.
    func testThresholdTiesGoToTheInformativePart() throws {
        let file = try fixture("modules/scconv_c32_ties")
        XCTAssertGreaterThan(Int(try XCTUnwrap(file.metadata["ties"])) ?? 0, 0, "the fixture should contain exact ties")
        let input = try file.tensor("input"), expected = try file.tensor("output")
        let layer = try moduleFromFixture(file)
        XCTAssertLessThan(relativeError(try layer.forward([input], on: CPUBackend()), expected), 1e-4)

        // The same module with the threshold nudged just above 0.5: the ties flip sides.
        let nudged = try ScConv(32, groupNum: 8, gateTreshold: Double(Float(0.5).nextUp))
        for ((_, mine), (_, theirs)) in zip(nudged.namedTensors(), layer.namedTensors()) { mine.value = theirs.value }
        try nudged.prepareTreeForInference()
        XCTAssertGreaterThan(relativeError(try nudged.forward([input], on: CPUBackend()), expected), 1e-2)
    }

    func testThopCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let layer = try moduleFromFixture(file)
            let backend = ShapeBackend()
            let shape = try XCTUnwrap(file.entries.first { $0.name == "input" }).shape
            let output = try layer.forward([ShapeValue(shape)], on: backend)
            XCTAssertEqual(output.dims, try XCTUnwrap(file.entries.first { $0.name == "output" }).shape, name)
            XCTAssertEqual(backend.macs, Int(try XCTUnwrap(file.metadata["macs"])), name)
        }
    }

    func testForwardWithoutWeightsIsAnErrorNotATrap() throws {
        let layer = try ScConv(32)
        XCTAssertThrowsError(try layer.forward([try Tensor(shape: [1, 32, 8, 8])], on: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("no value: load weights"), "\(error)")
        }
    }
}

/// One entry of the fixture's `keys` list: a key or a shape.
enum FixtureKey: Decodable {
    case name(String), shape([Int])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .name(s) } else { self = .shape(try c.decode([Int].self)) }
    }
}
