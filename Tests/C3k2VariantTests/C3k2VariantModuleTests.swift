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
        try plugin.moduleFixtures().assertKeysShapesAndCounts(Self.cases)
    }

    func testOutputsMatchPyTorch() throws {
        let worst = try plugin.moduleFixtures().assertOutputs(Self.cases, tolerance: 1e-4)
        print("C3k2 variant modules: max relative error \(worst)")
    }

    /// thop's count of one sample equals the traced multiply-accumulates at batch 1.
    func testMacsMatchThop() throws {
        try plugin.moduleFixtures().assertMacs(Self.cases)
    }
}

