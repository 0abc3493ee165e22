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
        try plugin.moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try plugin.moduleFixtures().assertOutputs(Self.cases, tolerance: 1e-4)
        print("SCNet modules: max relative error \(worst)")
    }

    /// thop's count of one sample: the three Convs, the pooling module; the gate counts nothing.
    func testMacsMatchThop() throws {
        try plugin.moduleFixtures().assertMacs(Self.cases)
    }

    /// PyTorch's nearest resize to a given size: floor(i · in / out), clamped.
    func testNearestIndices() {
        var rows = [Float](repeating: -1, count: 13)
        rows.withUnsafeMutableBufferPointer { SelfCalibrationGate.nearest($0.baseAddress!, count: 13, from: 3) }
        XCTAssertEqual(rows, [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    }
}
