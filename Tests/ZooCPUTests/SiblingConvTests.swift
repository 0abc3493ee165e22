import XCTest
@testable import ZooCPU

/// `SiblingConvWeights`: convolutions stacked into one GEMM against each run alone, bit for bit,
/// on random shapes with odd channel counts (panels of 1 to 6 real rows, the two- and four-row
/// tiles), on the vector and portable kernels and in bands.
final class SiblingConvTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    struct Case {
        var c: Int, h: Int, w: Int
        var outputs: [Int]
        var k: Pair2D = 1
        var stride: Pair2D = 1
        var padding: Pair2D = 0
    }

    static let cases: [Case] = [
        Case(c: 7, h: 9, w: 11, outputs: [16, 16]),
        Case(c: 32, h: 13, w: 10, outputs: [32, 32]),
        Case(c: 5, h: 8, w: 8, outputs: [1, 13, 8]),
        Case(c: 301, h: 5, w: 7, outputs: [2, 9]),
        Case(c: 12, h: 32, w: 32, outputs: [10, 3]),
        Case(c: 9, h: 15, w: 11, outputs: [17, 5], k: 3, padding: 1),
        Case(c: 6, h: 13, w: 14, outputs: [7, 26], k: 3, stride: 2, padding: 1),
        Case(c: 33, h: 12, w: 7, outputs: [50, 4], k: 3, padding: 1),
    ]

    func testStackedEqualsSeparate() throws {
        var rng = SplitMix64(seed: 41)
        ZooCPUSettings.winograd = false
        let settings: [(String, () -> Void)] = [
            ("avx2", { ZooCPUSettings.portableKernels = false }),
            ("portable", { ZooCPUSettings.portableKernels = true }),
            ("avx2, bands of 2 rows", { ZooCPUSettings.portableKernels = false; ZooCPUSettings.forcedConvBandRows = 2 }),
        ]
        let workspace = Workspace()
        for (i, cs) in Self.cases.enumerated() {
            let x = try randomTensor([1, cs.c, cs.h, cs.w], &rng)
            let opts = Conv2DOptions(stride: cs.stride, padding: cs.padding)
            var members: [(weight: PackedConvWeight, bias: Tensor?)] = []
            for (j, o) in cs.outputs.enumerated() {
                let w = try randomTensor([o, cs.c, cs.k.h, cs.k.w], &rng, scale: 0.5)
                let scales = (0..<o).map { Float($0 % 5) * 0.25 + 0.5 }
                members.append((try PackedConvWeight(w, groups: 1, rowScales: j == 0 ? scales : nil),
                                j == 1 ? nil : try randomTensor([o], &rng)))
            }
            let stacked = try SiblingConvWeights(members)
            XCTAssertTrue(stacked.stacks(members.map(\.weight)))
            for act in [Activation.silu, .identity, .leakyReLU(0.1)] {
                for (label, apply) in settings {
                    apply()
                    let outputs = try XCTUnwrap(try stacked.conv2d(x, options: opts, activation: act, workspace: workspace),
                                                "case \(i) \(label)")
                    XCTAssertEqual(outputs.count, members.count)
                    for (j, member) in members.enumerated() {
                        let alone = try conv2d(x, packed: member.weight, bias: member.bias, options: opts,
                                               epilogue: .activation(act), workspace: workspace)
                        XCTAssertEqual(outputs[j].shape, alone.shape, "case \(i) member \(j)")
                        XCTAssertEqual(outputs[j].toArray(), alone.toArray(), "case \(i) member \(j) \(label) \(act)")
                    }
                    ZooCPUSettings.forcedConvBandRows = 0
                }
            }
        }
    }

    func testDeclinesWhatItCannotStack() throws {
        var rng = SplitMix64(seed: 42)
        let a = try PackedConvWeight(try randomTensor([8, 16, 3, 3], &rng), groups: 1)
        let b = try PackedConvWeight(try randomTensor([16, 16, 3, 3], &rng), groups: 1)
        let stacked = try SiblingConvWeights([(a, nil), (b, nil)])
        let opts = Conv2DOptions(padding: 1)
        // Batches (the slices would not be contiguous), a member that runs Winograd here, an
        // activation the kernels leave to Swift: nil, run them one by one.
        XCTAssertNil(try stacked.conv2d(try randomTensor([2, 16, 8, 8], &rng), options: opts, activation: .silu))
        ZooCPUSettings.winograd = true
        XCTAssertNil(try stacked.conv2d(try randomTensor([1, 16, 40, 40], &rng), options: opts, activation: .silu))
        ZooCPUSettings.winograd = false
        XCTAssertNil(try stacked.conv2d(try randomTensor([1, 16, 8, 8], &rng), options: opts, activation: .gelu))
        XCTAssertNotNil(try stacked.conv2d(try randomTensor([1, 16, 8, 8], &rng), options: opts, activation: .silu))
        let other = try PackedConvWeight(try randomTensor([8, 16, 1, 1], &rng), groups: 1)
        XCTAssertThrowsError(try SiblingConvWeights([(a, nil), (other, nil)]))
        XCTAssertThrowsError(try SiblingConvWeights([(a, nil)]))
        XCTAssertThrowsError(try SiblingConvWeights([(a, try randomTensor([7], &rng)), (b, nil)]))
    }
}
