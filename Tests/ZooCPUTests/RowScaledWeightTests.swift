import XCTest
@testable import ZooCPU

/// Weights packed with per-output-channel `rowScales` (a batch norm folded in as the form is
/// packed) run exactly as the scaled copy packed plainly does, on every path, odd channel
/// counts included.
final class RowScaledWeightTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.winograd = true
    }

    struct Case {
        var c: Int, h: Int, o: Int, k: Int
        var groups = 1
        var stride = 1
    }

    static let cases: [Case] = [
        Case(c: 7, h: 9, o: 13, k: 1),                   // GEMM 1×1, a partial weight panel
        Case(c: 300, h: 5, o: 11, k: 1),                 // reduction over two ZK_KC blocks
        Case(c: 6, h: 10, o: 10, k: 3, groups: 2),       // grouped
        Case(c: 5, h: 13, o: 7, k: 3, stride: 2),        // GEMM 3×3 strided
        Case(c: 33, h: 20, o: 17, k: 3),                 // Winograd
        Case(c: 9, h: 10, o: 9, k: 3, groups: 9),        // depthwise
    ]

    func testScaledFormsRunAsTheScaledCopy() throws {
        var rng = SplitMix64(seed: 1829)
        for (i, t) in Self.cases.enumerated() {
            let x = try randomTensor([2, t.c, t.h, t.h], &rng)
            let w = try randomTensor([t.o, t.c / t.groups, t.k, t.k], &rng)
            let scales = (0..<t.o).map { _ in Float.random(in: -2...2, using: &rng) }
            let scaled = try w.copy()
            let per = w.count / t.o
            for oc in 0..<t.o { for j in 0..<per { scaled.pointer[oc * per + j] *= scales[oc] } }
            let options = Conv2DOptions(stride: Pair2D(t.stride), padding: Pair2D(t.k / 2), groups: t.groups)
            let bias = try randomTensor([t.o], &rng)
            let epilogue = ConvEpilogue.activation(.silu)
            let rowScaled = try PackedConvWeight(w, groups: t.groups, rowScales: scales)
            try rowScaled.prepareForm(for: options, input: x.shape)
            let got = try conv2d(x, packed: rowScaled, bias: bias, options: options, epilogue: epilogue)
            let plain = try conv2d(x, packed: PackedConvWeight(scaled, groups: t.groups), bias: bias, options: options,
                                   epilogue: epilogue)
            XCTAssertEqual(got.toArray(), plain.toArray(), "case \(i)")
            assertClose(got, try conv2dReference(x, weight: scaled, bias: bias, options: options, epilogue: epilogue), "case \(i)")
            XCTAssertTrue(rowScaled.weight === w, "case \(i): the unscaled weight is kept as it is, not copied")
        }
        ZooCPUSettings.winograd = false
        let t = Self.cases[4]
        let x = try randomTensor([1, t.c, t.h, t.h], &rng), w = try randomTensor([t.o, t.c, 3, 3], &rng)
        let scales = (0..<t.o).map { Float($0) - 8 }
        let options = Conv2DOptions(padding: 1)
        let gemm = try conv2d(x, packed: PackedConvWeight(w, groups: 1, rowScales: scales), options: options)
        ZooCPUSettings.winograd = true
        let winograd = try conv2d(x, packed: PackedConvWeight(w, groups: 1, rowScales: scales), options: options)
        assertClose(gemm, winograd, "the GEMM and Winograd forms of one scaled weight")
        XCTAssertEqual(gemm.shape, [1, t.o, t.h, t.h])
    }

    func testScalesMustBeOnePerOutputChannel() throws {
        let w = try Tensor(shape: [4, 2, 3, 3], repeating: 1)
        XCTAssertThrowsError(try PackedConvWeight(w, groups: 1, rowScales: [1, 2, 3])) { error in
            XCTAssertTrue("\(error)".contains("4 (one per output channel"), "\(error)")
        }
    }
}
