import Foundation
import XCTest
@testable import ZooCPU

/// Every kernel against PyTorch outputs stored in Resources/backend_ops.safetensors
/// (written by scripts/fixtures/gen_backend_ops.py). Tolerance: 1e-4 of the output's max magnitude.
final class GoldenOpsTests: XCTestCase {
    static let golden: Result<SafeTensorsFile, Error> = Result {
        guard let url = Bundle.module.url(forResource: "backend_ops", withExtension: "safetensors", subdirectory: "Resources") else {
            throw BackendError.file(path: "Resources/backend_ops.safetensors", tensor: nil, message: "missing from the test bundle")
        }
        return try SafeTensorsFile(path: url.path)
    }

    private var file: SafeTensorsFile {
        get throws { try Self.golden.get() }
    }

    private func t(_ name: String) throws -> Tensor { try file.tensor(name) }

    private func check(_ got: Tensor, _ expected: String, _ label: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let e = assertClose(got, try t(expected), tol: 1e-4, label ?? expected, file: file, line: line)
        ErrorLog.shared.record("golden " + (label ?? expected), e)
    }

    func testGoldenFileIsComplete() throws {
        let f = try file
        XCTAssertGreaterThan(f.entries.count, 100)
        XCTAssertEqual(f.integerEntries.map(\.name), ["bn.num_batches_tracked"])
        XCTAssertEqual(try f.integers("bn.num_batches_tracked"), [7])
        assertThrows(["bn.num_batches_tracked", "dtype is I64"]) { try f.tensor("bn.num_batches_tracked") }
    }

    func testConvolutions() throws {
        let f = try file
        let names = f.metadata.keys.filter { $0.hasPrefix("conv_") }.sorted()
        XCTAssertEqual(names.count, 14)
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            defer { ZooCPUSettings.portableKernels = false }
            for name in names {
                let v = (f.metadata[name] ?? "").split(separator: ",").compactMap { Int($0) }
                XCTAssertEqual(v.count, 7, name)
                guard v.count == 7 else { continue }
                let opts = Conv2DOptions(stride: Pair2D(v[0], v[1]), padding: Pair2D(v[2], v[3]),
                                         dilation: Pair2D(v[4], v[5]), groups: v[6])
                let bias = f.entry("\(name).b") == nil ? nil : try t("\(name).b")
                let y = try conv2d(try t("\(name).x"), weight: try t("\(name).w"), bias: bias, options: opts)
                try check(y, "\(name).y", "\(name)\(portable ? " (portable kernels)" : "")")
                let ref = try conv2dReference(try t("\(name).x"), weight: try t("\(name).w"), bias: bias, options: opts)
                try check(ref, "\(name).y", "\(name) reference")
            }
        }
    }

    func testBatchNormAndFolding() throws {
        let y = try batchNorm(try t("bn.x"), weight: try t("bn.w"), bias: try t("bn.b"),
                              runningMean: try t("bn.m"), runningVar: try t("bn.v"), eps: 1e-3)
        try check(y, "bn.y")

        let x = try t("convbn.x"), w = try t("convbn.w"), cb = try t("convbn.cb")
        let (bw, bb, bm, bv) = (try t("convbn.bw"), try t("convbn.bb"), try t("convbn.bm"), try t("convbn.bv"))
        let (scale, shift) = try batchNormScaleShift(weight: bw, bias: bb, runningMean: bm, runningVar: bv)
        let fused = try conv2d(x, weight: w, bias: cb, options: Conv2DOptions(padding: 1),
                               epilogue: ConvEpilogue(scale: scale, shift: shift, activation: .silu))
        try check(fused, "convbn.y", "conv+bn+silu epilogue")
        let folded = try foldBatchNorm(convWeight: w, convBias: cb, bnWeight: bw, bnBias: bb, runningMean: bm, runningVar: bv)
        let y2 = try conv2d(x, weight: folded.weight, bias: folded.bias, options: Conv2DOptions(padding: 1),
                            epilogue: .activation(.silu))
        try check(y2, "convbn.y", "conv with folded bn + silu")
    }

    func testActivations() throws {
        let x = try t("act.x")
        let cases: [(String, Activation)] = [
            ("relu", .relu), ("silu", .silu), ("sigmoid", .sigmoid), ("leaky_relu", .leakyReLU(0.1)),
            ("hardswish", .hardswish), ("relu6", .relu6), ("gelu", .gelu), ("tanh", .tanh), ("mish", .mish),
        ]
        for (name, act) in cases {
            try check(try activate(x, act), "act.\(name)")
            let inPlace = try x.copy()
            activateInPlace(inPlace, act)
            try check(inPlace, "act.\(name)", "act.\(name) in place")
        }
        try check(try sigmoid(x), "act.sigmoid", "sigmoid()")
    }

    func testSoftmax() throws {
        try check(try softmax(try t("softmax.x"), axis: 1), "softmax.y1")
        try check(try softmax(try t("softmax.x"), axis: -1), "softmax.ylast")
    }

    func testPooling() throws {
        let x = try t("pool.x")
        try check(try maxPool2d(x, kernel: 3, stride: 2, padding: 1), "maxpool_k3s2p1.y")
        try check(try maxPool2d(x, kernel: 5, stride: 1, padding: 2), "maxpool_k5s1p2.y")
        try check(try maxPool2d(x, kernel: 2), "maxpool_k2s2.y")
        try check(try maxPool2d(x, kernel: 3, stride: 2, ceilMode: true), "maxpool_k3s2_ceil.y")
        try check(try avgPool2d(x, kernel: 3, stride: 2, padding: 1, countIncludePad: true), "avgpool_k3s2p1_incl.y")
        try check(try avgPool2d(x, kernel: 3, stride: 2, padding: 1, countIncludePad: false), "avgpool_k3s2p1_excl.y")
        try check(try avgPool2d(x, kernel: 2), "avgpool_k2s2.y")
        try check(try avgPool2d(x, kernel: 3, stride: 2, padding: 1, ceilMode: true), "avgpool_k3s2p1_ceil_incl.y")
        try check(try globalAvgPool2d(x), "gap.y")
        try check(try adaptiveAvgPool2d(x, outputSize: 1), "gap.y", "adaptive 1x1")
        try check(try adaptiveAvgPool2d(x, outputSize: Pair2D(3, 4)), "adaptive_3x4.y")
    }

    func testPadAndUpsample() throws {
        let x = try t("pad.x")
        try check(try reflectionPad2d(x, left: 1, right: 2, top: 3, bottom: 1), "reflect_pad.y")
        try check(try upsampleNearest2d(x, scale: 2), "upsample2.y")
        try check(try upsampleNearest2d(x, scale: Pair2D(2, 3)), "upsample_2x3.y")
    }

    func testMatmul() throws {
        try check(try matmul(try t("matmul.a"), try t("matmul.b")), "matmul.y")
        try check(try matmul(try t("matmul_bcast.a"), try t("matmul_bcast.b")), "matmul_bcast.y")
        try check(try matmul(try t("matmul_t.a"), try t("matmul_t.b"), transposeA: true, transposeB: true), "matmul_t.y")
    }

    func testBroadcastBinary() throws {
        let (a, b, c) = (try t("bin.a"), try t("bin.b"), try t("bin.c"))
        try check(try add(a, b), "bin.add_ab")
        try check(try mul(a, c), "bin.mul_ac")
        try check(try sub(b, a), "bin.sub_ba")
    }

    func testHalfPrecisionWidening() throws {
        try check(try t("io.f16"), "io.f16_expected", "F16 read")
        try check(try t("io.bf16"), "io.bf16_expected", "BF16 read")
        let f16 = try t("io.f16"), exp = try t("io.f16_expected")
        XCTAssertEqual(f16.toArray(), exp.toArray(), "F16 widening is exact")
        XCTAssertEqual(try t("io.bf16").toArray(), try t("io.bf16_expected").toArray(), "BF16 widening is exact")
        XCTAssertEqual(try file.entry("io.f16")?.dtype, .f16)
    }

    override class func tearDown() {
        let lines = ErrorLog.shared.summary.map { "  \($0.0): \($0.1)" }
        print("ZooCPU max relative errors:\n" + lines.joined(separator: "\n"))
    }
}
