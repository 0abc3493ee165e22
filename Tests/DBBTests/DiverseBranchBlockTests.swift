import LayerZoo
import LayerZooTestSupport
import LayerZooDBB
import XCTest
import ZooCPU

/// One DiverseBranchBlock at a time against PyTorch (scripts/fixtures/gen_dbb_fixtures.py,
/// reference module scripts/fixtures/seed_modules/dbb.py): keys, counts, the folded and the
/// unfused paths, the folded kernel, and the deployed form.
final class DiverseBranchBlockTests: XCTestCase {
    static let cases = ["k3_s1_g1", "k3_s2_g1", "k5_s1_g1", "k5_s2_g1", "k3_s1_dw", "k3_s2_dw", "k5_s1_dw", "k5_s2_dw",
                        "k3_s2_g4", "k3_s1_conv1_g2", "k1_s1_g1"]
    static let tolerance: Float = 1e-4

    /// The block the fixture was made from (standalone: PyTorch's BN eps 1e-5).
    func block(_ file: SafeTensorsFile) throws -> DiverseBranchBlock {
        func int(_ key: String) throws -> Int { try XCTUnwrap(Int(try XCTUnwrap(file.metadata[key])), key) }
        let internalChannels = file.metadata["internal"].flatMap { Int($0) }
        return try DiverseBranchBlock(try int("c1"), try int("c2"), k: try int("k"), s: try int("s"), g: try int("g"),
                                      internalChannels: internalChannels,
                                      nonlinear: file.metadata["nonlinear"] == "silu" ? .silu : .identity)
    }

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let m = try block(file)
            let keys = m.namedTensors().map(\.key)
            XCTAssertEqual(keys.joined(separator: ","), file.metadata["keys"], name)
            for (key, parameter) in m.namedTensors() {
                XCTAssertEqual(parameter.shape, file.entry(key)?.shape, "\(name): \(key)")
            }
            XCTAssertEqual(String(m.parameterCount), file.metadata["parameters"], name)
        }
    }

    func testFoldedAndUnfusedMatchPyTorch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let m = try block(file)
            try loadTensors(m, from: file)
            try m.prepareTreeForInference()
            XCTAssertTrue(m.isFused, name)
            let x = try file.tensor("input"), expected = try file.tensor("output")
            let fused = try m(x, on: CPUBackend())
            m.runsBranches = true
            let branches = try m(x, on: CPUBackend())
            m.runsBranches = false
            let (e1, e2) = (relativeError(fused, expected), relativeError(branches, expected))
            print("\(name): max relative error folded \(e1), branches \(e2)")
            XCTAssertEqual(fused.shape, expected.shape, name)
            XCTAssertLessThan(e1, Self.tolerance, "\(name) folded")
            XCTAssertLessThan(e2, Self.tolerance, "\(name) branches")
        }
    }

    func testFoldedKernelMatchesSwitchToDeploy() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let m = try block(file)
            try loadTensors(m, from: file)
            let (weight, bias) = try m.equivalentKernelBias()
            XCTAssertLessThan(relativeError(weight, try file.tensor("dbb_reparam.weight")), Self.tolerance, name)
            XCTAssertLessThan(relativeError(bias, try file.tensor("dbb_reparam.bias")), Self.tolerance, name)
        }
    }

    /// A block loaded from PyTorch's deployed weights (`dbb_reparam.*`) gives the training form's output.
    func testDeployedFormLoadsPyTorchsFoldedWeights() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let m = try block(file)
            m.setForm(.deployed)
            XCTAssertEqual(m.namedTensors().map(\.key), ["dbb_reparam.weight", "dbb_reparam.bias"])
            XCTAssertEqual(m.parameterCount, (try file.tensor("dbb_reparam.weight")).count + (try file.tensor("dbb_reparam.bias")).count)
            for (key, parameter) in m.namedTensors() { parameter.value = try file.tensor(key, expectedShape: parameter.shape) }
            try m.prepareForInference()
            let x = try file.tensor("input")
            XCTAssertLessThan(relativeError(try m(x, on: CPUBackend()), try file.tensor("output")), Self.tolerance, name)
            m.runsBranches = true  // the deployed form's own module tree: the plain conv
            XCTAssertLessThan(relativeError(try m(x, on: CPUBackend()), try file.tensor("output")), Self.tolerance, name)
        }
    }

    /// switchToDeploy folds in place, as PyTorch's does, and keeps the output.
    func testSwitchToDeploy() throws {
        let file = try fixture("modules/k3_s2_g1")
        let m = try block(file)
        try loadTensors(m, from: file)
        try m.switchToDeploy()
        XCTAssertEqual(m.form, .deployed)
        XCTAssertEqual(m.namedTensors().map(\.key), ["dbb_reparam.weight", "dbb_reparam.bias"])
        let x = try file.tensor("input")
        XCTAssertLessThan(relativeError(try m(x, on: CPUBackend()), try file.tensor("output")), Self.tolerance)
    }

    /// thop's count of the training-form tree (every Conv2d including idconv1, every BN including
    /// BN-and-pad's, the AvgPool2d module; padding and sums uncounted), before and after folding.
    func testThopCountsMatch() throws {
        for name in Self.cases {
            let file = try fixture("modules/\(name)")
            let m = try block(file)
            let input = try XCTUnwrap(file.entry("input")).shape
            let expected = try XCTUnwrap(Int(try XCTUnwrap(file.metadata["macs"])))
            let before = ShapeBackend()
            let y = try m(ShapeValue(input), on: before)
            XCTAssertEqual(before.macs, expected, "\(name) unprepared")
            XCTAssertEqual(y.dims, try XCTUnwrap(file.entry("output")).shape, name)
            try loadTensors(m, from: file)
            try m.prepareForInference()
            let after = ShapeBackend()
            _ = try m(ShapeValue(input), on: after)
            XCTAssertEqual(after.macs, expected, "\(name) folded")
        }
    }

    func testUnpreparedBlockSaysWhatIsMissing() throws {
        let m = try DiverseBranchBlock(8, 16, k: 3)
        XCTAssertThrowsError(try m(try Tensor(shape: [1, 8, 8, 8]), on: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("has no value"), "\(error)")
        }
        XCTAssertThrowsError(try m.prepareForInference()) { error in
            XCTAssertTrue("\(error)".contains("dbb_origin.conv.weight has no value"), "\(error)")
        }
    }

    func testConstructorRejectsWhatPyTorchCannotRun() throws {
        func message(_ body: () throws -> DiverseBranchBlock) -> (String, String?) {
            do {
                _ = try body()
                return ("no error", nil)
            } catch let error as LayerError {
                return (error.message, error.argument)
            } catch {
                return ("\(error)", nil)
            }
        }
        var (text, argument) = message { try DiverseBranchBlock(8, 8, k: 4) }
        XCTAssertTrue(text.contains("odd kernel size"), text); XCTAssertEqual(argument, "k")
        (text, argument) = message { try DiverseBranchBlock(8, 8, k: 3, p: 0) }
        XCTAssertTrue(text.contains("padding k // 2 = 1, got 0"), text); XCTAssertEqual(argument, "p")
        (text, argument) = message { try DiverseBranchBlock(8, 8, k: 3, d: 2) }
        XCTAssertTrue(text.contains("does not support dilation"), text); XCTAssertEqual(argument, "d")
        (text, argument) = message { try DiverseBranchBlock(8, 12, k: 3, g: 3) }
        XCTAssertTrue(text.contains("groups=3 must divide"), text); XCTAssertEqual(argument, "g")
        (text, argument) = message { try DiverseBranchBlock(8, 16, k: 3, g: 16) }
        XCTAssertTrue(text.contains("groups=16 must divide"), text)
        (text, argument) = message { try DiverseBranchBlock(16, 8, k: 3, g: 8) }
        XCTAssertTrue(text.contains("must equal the output channels"), text); XCTAssertEqual(argument, "g")
        XCTAssertNoThrow(try DiverseBranchBlock(8, 8, k: 1, d: 2))  // a dilated 1×1 is a 1×1
    }
}
