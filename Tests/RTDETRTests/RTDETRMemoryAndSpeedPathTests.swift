import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The decoder's token self-attention kernels against nn.MultiheadAttention's plain path
/// (transposes, matmuls, softmax) on random shapes, counts included; and preparation packing
/// only the convolution a RepConv runs, not its folded-away branches.
final class RTDETRMemoryAndSpeedPathTests: XCTestCase {
    func testTokenSelfAttentionEqualsMultiheadAttentionOnRandomShapes() throws {
        var random = FuzzRandom(state: 0x7E57_A77E)
        for trial in 0..<16 {
            let heads = 1 + random.below(4), d = 1 + random.below(9)
            let (n, l, e) = (1 + random.below(2), 1 + random.below(45), heads * d)
            let m = try MultiheadAttention(embedDim: e, numHeads: heads)
            let parameters = [m.in_proj_weight, m.in_proj_bias, m.out_proj.weight] + (m.out_proj.bias.map { [$0] } ?? [])
            for (i, p) in parameters.enumerated() {
                p.value = try ZooCPU.scale(try SeededWeights.input(shape: p.shape, seed: UInt64(100 * trial + i)), by: 0.5)
            }
            let qk = try ZooCPU.scale(try SeededWeights.input(shape: [n, l, e], seed: UInt64(trial)), by: 3)
            let v = try SeededWeights.input(shape: [n, l, e], seed: UInt64(trial + 1000))
            let backend = CPUBackend()
            let fast = try m.tokens(qk, values: v, on: backend)
            let q = try backend.transpose(qk, 0, 1)
            let plain = try backend.transpose(try m(q, q, try backend.transpose(v, 0, 1), on: backend), 0, 1)
            XCTAssertEqual(fast.shape, [n, l, e], "trial \(trial)")
            XCTAssertLessThan(relativeError(fast, plain), 1e-5, "trial \(trial): \(heads) heads of \(d), N \(n), L \(l)")

            let tracer = ShapeBackend(), plainTracer = ShapeBackend()
            _ = try m.tokens(ShapeValue([n, l, e]), values: ShapeValue([n, l, e]), on: tracer)
            let shape = ShapeValue([l, n, e])
            _ = try m(shape, shape, shape, on: plainTracer)
            XCTAssertEqual(tracer.macs, plainTracer.macs, "trial \(trial): thop's MultiheadAttention count")
        }
    }

    /// rtdetr-l's RepConvs (in RepC3) run one folded 3×3 convolution: preparation packs that
    /// one and leaves the branches' weights unpacked (a 3×3 branch's Winograd form alone is four
    /// times its weights), and the model still runs.
    func testPreparationLeavesRepConvBranchesUnpacked() throws {
        let f = try fixture("model_rtdetr-l_b1_160x160")
        let shape: [Int] = try metadata(f, "input")
        let report = checkYAML(try XCTUnwrap(f.metadata["text"]), registry: try standardRegistry(),
                               file: try XCTUnwrap(f.metadata["config"]), scale: f.metadata["scale"], imgsz: (shape[2], shape[3]))
        let model = try XCTUnwrap(report.model, "\(report.diagnostics)")
        try model.initializeSeededWeights(seed: 0)
        let repConvs = model.nodes.flatMap { $0.layer.allModules().compactMap { $0 as? RepConv } }
        XCTAssertGreaterThan(repConvs.count, 3)
        let branches = repConvs.flatMap { [$0.conv1.conv, $0.conv2.conv] }
        XCTAssertEqual(branches.map(\.preparationCount).reduce(0, +), 0, "a folded-away branch was packed")
        _ = try model.forward(try SeededWeights.input(shape: shape, seed: 0), on: CPUBackend())
        XCTAssertEqual(branches.map(\.preparationCount).reduce(0, +), 0, "the CPU backend ran a folded-away branch")
    }
}
