import XCTest
@testable import ZooCPU

/// Grouped, depthwise and transposed convolutions on random shapes (odd channel counts,
/// strides, paddings, dilations, output paddings) against the plain reference loops.
final class GroupedAndTransposedConvTests: XCTestCase {
    func testGroupedAndDepthwiseMatchReferenceOnRandomShapes() throws {
        var rng = SplitMix64(seed: 19)
        var worst: Float = 0
        for i in 0..<80 {
            let groups = [1, 3, 5, 7, 16][Int.random(in: 0..<5, using: &rng)]
            let depthwise = i % 2 == 0
            let cg = depthwise ? 1 : Int.random(in: 1...3, using: &rng), og = depthwise ? 1 : Int.random(in: 1...3, using: &rng)
            let k = [1, 3, 5][Int.random(in: 0..<3, using: &rng)], d = Int.random(in: 1...2, using: &rng)
            let s = Int.random(in: 1...3, using: &rng), p = Int.random(in: 0...(k / 2 * d), using: &rng)
            let h = Int.random(in: (d * (k - 1) + 1)...15, using: &rng), w = Int.random(in: (d * (k - 1) + 1)...41, using: &rng)
            let n = Int.random(in: 1...2, using: &rng)
            let x = try randomTensor([n, groups * cg, h, w], &rng)
            let wt = try randomTensor([groups * og, cg, k, k], &rng, scale: 0.5)
            let b = try randomTensor([groups * og], &rng)
            let opts = Conv2DOptions(stride: Pair2D(s), padding: Pair2D(p), dilation: Pair2D(d), groups: groups)
            let ref = try conv2dReference(x, weight: wt, bias: b, options: opts, epilogue: ConvEpilogue(activation: .silu))
            // The AVX2 kernels and their portable twins.
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                let fast = try conv2d(x, weight: wt, bias: b, options: opts, epilogue: ConvEpilogue(activation: .silu))
                worst = max(worst, assertClose(fast, ref, tol: 2e-5,
                                               "case \(i) portable=\(portable): groups \(groups) \(cg)→\(og) k\(k) s\(s) p\(p) d\(d) \(h)×\(w)"))
            }
        }
        ZooCPUSettings.portableKernels = false
        ErrorLog.shared.record("grouped/depthwise conv2d vs reference", worst)
    }

    func testTransposedMatchesReferenceOnRandomShapes() throws {
        var rng = SplitMix64(seed: 23)
        let workspace = Workspace()
        var worst: Float = 0
        for i in 0..<60 {
            let groups = [1, 2, 3, 5][Int.random(in: 0..<4, using: &rng)]
            let depthwise = i % 3 == 0
            let cg = depthwise ? 1 : Int.random(in: 1...4, using: &rng), og = depthwise ? 1 : Int.random(in: 1...4, using: &rng)
            let k = Int.random(in: 1...5, using: &rng), s = Int.random(in: 1...3, using: &rng), d = Int.random(in: 1...2, using: &rng)
            let p = Int.random(in: 0...(k - 1), using: &rng), op = Int.random(in: 0..<max(s, d), using: &rng)
            let h = Int.random(in: 1...9, using: &rng), w = Int.random(in: 1...9, using: &rng)
            let options = ConvTranspose2DOptions(stride: s, padding: p, outputPadding: op, dilation: d, groups: groups)
            let x = try randomTensor([Int.random(in: 1...2, using: &rng), groups * cg, h, w], &rng)
            let wt = try randomTensor([groups * cg, og, k, k], &rng, scale: 0.5)
            let b = i % 4 == 1 ? nil : try randomTensor([groups * og], &rng)
            let label = "case \(i): groups \(groups) \(cg)→\(og) k\(k) s\(s) p\(p) op\(op) d\(d) \(h)×\(w)"
            guard let geometry = try? ConvTranspose2DGeometry(input: x.shape, weight: wt.shape, options: options) else {
                // Too much padding for the size: both must refuse it.
                XCTAssertThrowsError(try convTranspose2dReference(x, weight: wt, bias: b, options: options), label)
                XCTAssertThrowsError(try convTranspose2d(x, weight: wt, bias: b, options: options), label)
                continue
            }
            let fast = try convTranspose2d(x, weight: wt, bias: b, options: options, workspace: workspace)
            let ref = try convTranspose2dReference(x, weight: wt, bias: b, options: options)
            XCTAssertEqual(fast.shape, geometry.outputShape, label)
            worst = max(worst, assertClose(fast, ref, tol: 2e-5, label))
        }
        ErrorLog.shared.record("conv_transpose2d vs reference", worst)
    }

    func testTransposedRefusesWhatPyTorchRefuses() throws {
        let x = try Tensor(shape: [1, 4, 3, 3]), w = try Tensor(shape: [4, 2, 3, 3])
        XCTAssertThrowsError(try convTranspose2d(x, weight: w, options: ConvTranspose2DOptions(stride: 2, outputPadding: 2)))
        XCTAssertThrowsError(try convTranspose2d(x, weight: w, options: ConvTranspose2DOptions(groups: 3)))
        XCTAssertThrowsError(try convTranspose2d(x, weight: w, options: ConvTranspose2DOptions(padding: 5)))
        XCTAssertThrowsError(try convTranspose2d(x, weight: try Tensor(shape: [3, 2, 3, 3])))
        XCTAssertThrowsError(try convTranspose2d(x, weight: w, bias: try Tensor(shape: [3])))
        let huge = ConvTranspose2DOptions(stride: 1 << 23)
        XCTAssertThrowsError(try ConvTranspose2DGeometry(input: [1, 4, 1 << 20, 1 << 20], weight: [4, 2, 3, 3], options: huge))
    }
}
