import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Each new module alone against Ultralytics' class (random weights and BN statistics, odd
/// sizes and channel counts): state_dict keys and shapes, parameters, outputs within 1e-4, thop
/// MACs. RepConv and RepVGGDW run folded (as loaded) and as branches, and in the deployed form.
final class FamilyModuleTests: XCTestCase {
    static let cases = [
        "repncspelan4", "elan1_odd", "aconv", "adown", "sppelan", "sppelan_k3", "repconv", "repconv_bn", "repconv_s2_g2",
        "scdown", "psa", "c2fcib", "c2fcib_lk", "repvggdw", "a2c2f_area4_residual", "a2c2f_area1", "a2c2f_c3k", "c2fpsa",
    ]
    static let reparameterised = ["repconv", "repconv_bn", "repconv_s2_g2", "repvggdw", "c2fcib_lk"]

    func testKeysShapesAndParameterCountsMatchPyTorch() throws {
        try moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try moduleFixtures().assertOutputs(Self.cases)
        print("backbone family modules: max relative error \(worst)")
    }

    func testMacsMatchThop() throws {
        try moduleFixtures().assertMacs(Self.cases)
    }

    /// The branches PyTorch's forward runs, the convolution preparation folds them into, and
    /// the deployed form `fuse()` gives (keys `conv.weight`, `conv.bias`) compute the same.
    func testReparameterisedFormsComputeTheSame() throws {
        let fixtures = try moduleFixtures()
        for name in Self.reparameterised {
            let f = try fixture("modules/module_\(name)")
            let layer = try fixtures.loadedModule(f)
            let input = try f.tensor("input"), expected = try f.tensor("output")
            let modules = layer.allModules()
            XCTAssertFalse(modules.contains { ($0 as? any Fusable)?.fusion == .reparameterization && ($0 as? any Fusable)?.isDeployed == true }, name)
            let folded = try layer.forward([input], on: CPUBackend())
            setRunsBranches(true, in: layer)
            let branches = try layer.forward([input], on: CPUBackend())
            setRunsBranches(false, in: layer)
            XCTAssertLessThan(relativeError(folded, expected), 1e-4, "\(name) folded")
            XCTAssertLessThan(relativeError(branches, expected), 1e-4, "\(name) branches")
            for case let module as any Fusable in modules where module.fusion == .reparameterization { try module.fuse() }
            try layer.prepareTreeForInference()
            let keys = layer.namedTensors().map { $0.key }
            XCTAssertFalse(keys.contains { $0.contains("conv1.") }, "\(name): \(keys)")
            let deployed = try layer.forward([input], on: CPUBackend())
            XCTAssertLessThan(relativeError(deployed, expected), 1e-4, "\(name) deployed")
        }
    }

    func setRunsBranches(_ value: Bool, in layer: any Module) {
        for module in layer.allModules() {
            (module as? RepConv)?.runsBranches = value
            (module as? RepVGGDW)?.runsBranches = value
        }
    }
}
