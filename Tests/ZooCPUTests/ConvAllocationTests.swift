import XCTest
@testable import ZooCPU

/// A convolution with prepacked weights, run into a given output with a workspace it has
/// used before, allocates no tensor memory: not its bias/scale/shift (`ConvAffine`), not its
/// scratch; and it still computes what the reference does.
final class ConvAllocationTests: XCTestCase {
    struct Case {
        var c: Int, h: Int, o: Int, k: Int
        var groups = 1
        var padding = 0
    }

    static let cases: [Case] = [
        Case(c: 7, h: 9, o: 13, k: 1),               // GEMM, 1×1
        Case(c: 5, h: 11, o: 6, k: 3, padding: 1),   // GEMM, 3×3 too few channels for Winograd
        Case(c: 33, h: 20, o: 17, k: 3, padding: 1), // Winograd
        Case(c: 9, h: 10, o: 9, k: 3, groups: 9, padding: 1), // depthwise
    ]

    func testARepeatedConvolutionAllocatesNothingAndMatchesTheReference() throws {
        var rng = SplitMix64(seed: 29)
        for (i, t) in Self.cases.enumerated() {
            let x = try randomTensor([1, t.c, t.h, t.h], &rng)
            let w = try randomTensor([t.o, t.c / t.groups, t.k, t.k], &rng, scale: 0.3)
            let bias = try randomTensor([t.o], &rng)
            let scale = (0..<t.o).map { _ in Float.random(in: 0.5...1.5, using: &rng) }
            let shift = (0..<t.o).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
            let options = Conv2DOptions(padding: Pair2D(t.padding), groups: t.groups)
            let packed = try PackedConvWeight(w, groups: t.groups)
            let workspace = Workspace()
            for epilogue in [ConvEpilogue(activation: .silu), ConvEpilogue(scale: scale, shift: shift, activation: .relu)] {
                let label = "case \(i)\(epilogue.scale == nil ? "" : " with scale and shift")"
                let output = try Tensor.uninitialized(shape: conv2dOutputShape(input: x.shape, weight: w.shape, options: options))
                try conv2d(x, packed: packed, bias: bias, options: options, epilogue: epilogue, into: output, workspace: workspace)
                let made = try AllocationCounter.counting { () throws(BackendError) in
                    try conv2d(x, packed: packed, bias: bias, options: options, epilogue: epilogue, into: output, workspace: workspace)
                }
                XCTAssertEqual(made, 0, "\(label): tensor buffers allocated by a repeated call")
                let expected = try conv2dReference(x, weight: w, bias: bias, options: options, epilogue: epilogue)
                assertClose(output, expected, label)
            }
        }
    }

    /// A bias alone is read in place, and a folded scale and shift go to the workspace.
    func testTheAffineReadsTheBiasInPlace() throws {
        var rng = SplitMix64(seed: 18)
        let bias = try randomTensor([11], &rng)
        let plain = try ConvAffine(outChannels: 11, bias: bias, epilogue: .activation(.silu))
        XCTAssertEqual(plain.shifts, bias.pointer)
        XCTAssertNil(plain.scales)
        let workspace = Workspace()
        let folded = try ConvAffine(outChannels: 11, bias: bias,
                                    epilogue: ConvEpilogue(scale: Array(repeating: 2, count: 11)), workspace: workspace)
        XCTAssertEqual(folded.scales, try workspace.epilogue.storage(0).pointer)
        XCTAssertEqual(folded.shift(3), 2 * bias.pointer[3])
        XCTAssertThrowsError(try ConvAffine(outChannels: 12, bias: bias, epilogue: .none))
    }

    /// The counter counts: a tensor made inside is one buffer, nested counts reach the outer one.
    func testTheCounterCountsTensorBuffers() throws {
        var inner = 0
        let outer = try AllocationCounter.counting { () throws(BackendError) in
            _ = try Tensor(shape: [3])
            inner = try AllocationCounter.counting { () throws(BackendError) in _ = try Tensor(shape: [1 << 20]) }
        }
        XCTAssertEqual(inner, 1)
        XCTAssertEqual(outer, 2)
    }
}
