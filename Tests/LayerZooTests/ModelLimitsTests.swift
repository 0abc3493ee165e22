import Foundation
import LayerZoo
import LayerZooTestSupport
import ZooCPU
import XCTest

/// The totals of `ModelLimits`, each at the row that passes it, and the memory plan against
/// a hand count.
final class ModelLimitsTests: XCTestCase {
    func build(_ yaml: String, limits: ModelLimits) throws -> (Model?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let root = try YAMLLoader().load(yaml, file: "m.yaml")
        guard let config = ModelConfig.parse(root, file: "m.yaml", diagnostics: &diagnostics) else { return (nil, diagnostics) }
        var builder = ModelBuilder(registry: try testRegistry())
        builder.limits = limits
        return (builder.build(config, scale: nil, diagnostics: &diagnostics), diagnostics)
    }

    static let three = "backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 2, C2f, [16]]\n  - [-1, 1, Conv, [16, 3, 2]]\nhead: []\n"

    func testEachTotalIsCheckedAtTheRowThatPassesIt() throws {
        var limits = ModelLimits()
        limits.maxBlocks = 3
        var (model, diagnostics) = try build(Self.three, limits: limits)
        XCTAssertNil(model)
        XCTAssertEqual(diagnostics.first?.location?.line, 4, "\(diagnostics)")
        XCTAssertTrue(diagnostics.first?.message.contains("more than 3 blocks") ?? false, "\(diagnostics)")

        limits = ModelLimits()
        limits.maxParameters = 1000
        (model, diagnostics) = try build(Self.three, limits: limits)
        XCTAssertNil(model)
        XCTAssertEqual(diagnostics.first?.location?.line, 3, "\(diagnostics)")
        XCTAssertTrue(diagnostics.first?.message.contains("more than 1000 parameters") ?? false, "\(diagnostics)")

        limits = ModelLimits()
        limits.maxModules = 10
        (model, diagnostics) = try build(Self.three, limits: limits)
        XCTAssertNil(model)
        XCTAssertEqual(diagnostics.first?.location?.line, 3)

        limits = ModelLimits()
        limits.maxLayers = 2
        (model, diagnostics) = try build(Self.three, limits: limits)
        XCTAssertNil(model)
        XCTAssertEqual(diagnostics.first?.location?.line, 4, "points at the first row over the limit")

        (model, diagnostics) = try build(Self.three, limits: ModelLimits())
        XCTAssertNotNil(model, "\(diagnostics)")
    }

    func testTheMACTotalIsLimitedAtTheLayerThatPassesIt() throws {
        let (built, _) = try build(Self.three, limits: ModelLimits())
        let model = try XCTUnwrap(built)
        var limits = ModelLimits()
        var diagnostics: [Diagnostic] = []
        let full = model.trace(input: [1, 3, 64, 64], limits: limits, diagnostics: &diagnostics)
        XCTAssertTrue(diagnostics.isEmpty)
        limits.maxMACs = full.macs[0] + 1
        _ = model.trace(input: [1, 3, 64, 64], limits: limits, diagnostics: &diagnostics)
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertEqual(diagnostics.first?.location?.line, 3, "the second row passes the total: \(diagnostics)")
        XCTAssertEqual(full.totalMACs, full.macs.reduce(0, +))
    }

    /// One 1×1 Conv (8 ← 3) + BN at 1×3×32×32, counted by hand.
    func testMemoryPlanOfATinyModel() throws {
        let (built, _) = try build("backbone:\n  - [-1, 1, Conv, [8, 1, 1]]\nhead: []\n", limits: ModelLimits())
        let model = try XCTUnwrap(built)
        var diagnostics: [Diagnostic] = []
        let plan = model.memoryPlan(model.trace(input: [1, 3, 32, 32], diagnostics: &diagnostics))
        // conv.weight 24 + bn weight, bias, mean, var 4 × 8 + num_batches_tracked 1 and the GEMM
        // panels (8 rows padded to the kernel's tile); the folded copy goes once packed.
        let panels = try XCTUnwrap(PackedConvWeight.formElements(weightShape: [8, 3, 1, 1], options: Conv2DOptions()))
        XCTAssertGreaterThanOrEqual(panels, 24)
        XCTAssertEqual(plan.weightBytes, (24 + 32 + 1 + panels) * 4)
        // The input (3072), the conv's output (8192) and its workspace, one image's input (3072).
        XCTAssertEqual(plan.activationBytes, (3072 + 8192 + 3072) * 4)
        XCTAssertEqual(plan.cacheBytes, 0, "planned passes keep no buffers by size")
        XCTAssertEqual(plan.totalBytes, plan.weightBytes + plan.activationBytes + MemoryPlan.runtimeBytes)
        XCTAssertEqual(plan.peakLayer, 0)
    }
}
