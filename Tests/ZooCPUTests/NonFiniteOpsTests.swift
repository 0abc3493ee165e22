import Foundation
import XCTest
@testable import ZooCPU

/// PyTorch's NaN and infinity semantics, kernel by kernel, against
/// Resources/nonfinite_ops.safetensors (scripts/fixtures/gen_nonfinite_ops.py): NaN where
/// PyTorch gives NaN, the same infinities, and finite values within 1e-4 of the finite
/// magnitude. Each case runs on the AVX2 kernels and on the portable C ones.
final class NonFiniteOpsTests: XCTestCase {
    static let fixture: Result<SafeTensorsFile, Error> = Result {
        guard let url = Bundle.module.url(forResource: "nonfinite_ops", withExtension: "safetensors", subdirectory: "Resources") else {
            throw BackendError.file(path: "Resources/nonfinite_ops.safetensors", tensor: nil, message: "missing from the test bundle")
        }
        return try SafeTensorsFile(path: url.path)
    }

    private func t(_ name: String) throws -> Tensor { try Self.fixture.get().tensor(name) }

    /// Same NaN positions, same infinities, finite values close.
    private func assertSameNonFinite(_ got: Tensor, _ expectedName: String, _ label: String,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try t(expectedName)
        XCTAssertEqual(got.shape, expected.shape, label, file: file, line: line)
        guard got.shape == expected.shape else { return }
        let a = got.toArray(), b = expected.toArray()
        let magnitude = b.filter(\.isFinite).map(\.magnitude).max() ?? 1
        var nanCount = 0, mismatches: [String] = []
        for i in 0..<a.count {
            if b[i].isNaN { nanCount += 1 }
            let ok = b[i].isNaN ? a[i].isNaN
                : b[i].isInfinite ? a[i] == b[i]
                : a[i].isFinite && abs(a[i] - b[i]) <= 1e-4 * max(magnitude, 1e-30) + 1e-30
            if !ok, mismatches.count < 5 { mismatches.append("[\(i)] got \(a[i]), PyTorch \(b[i])") }
        }
        XCTAssertTrue(mismatches.isEmpty, "\(label): " + mismatches.joined(separator: "; "), file: file, line: line)
        XCTAssertGreaterThan(nanCount, 0, "\(label): the fixture has no NaN to check", file: file, line: line)
    }

    private func bothKernels(_ body: (String) throws -> Void) rethrows {
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            defer { ZooCPUSettings.portableKernels = false }
            try body(portable ? " (portable)" : " (AVX2)")
        }
    }

    func testActivationsPropagateNaNAsPyTorch() throws {
        let x = try t("x")
        let cases: [(String, Activation)] = [
            ("relu", .relu), ("relu6", .relu6), ("sigmoid", .sigmoid), ("silu", .silu), ("hardswish", .hardswish),
            ("leaky_relu", .leakyReLU(0.1)), ("tanh", .tanh), ("mish", .mish), ("gelu", .gelu),
        ]
        try bothKernels { kernels in
            for (name, act) in cases {
                try assertSameNonFinite(try activate(x, act), "act.\(name)", name + kernels)
            }
        }
    }

    func testConvolutionEpilogueKeepsNaN() throws {
        let opts = Conv2DOptions(stride: Pair2D(1, 1), padding: Pair2D(1, 1), dilation: Pair2D(1, 1), groups: 1)
        try bothKernels { kernels in
            for (name, act) in [("relu", Activation.relu), ("sigmoid", .sigmoid)] {
                let y = try conv2d(try t("conv.x"), weight: try t("conv.w"), bias: try t("conv.b"), options: opts,
                                   epilogue: .activation(act))
                try assertSameNonFinite(y, "conv.\(name)", "conv + \(name)" + kernels)
            }
        }
    }

    func testMaxPoolAndSoftmaxKeepNaN() throws {
        let x = try t("x")
        try bothKernels { kernels in
            try assertSameNonFinite(try maxPool2d(x, kernel: Pair2D(3, 3), stride: Pair2D(1, 1), padding: Pair2D(1, 1)),
                                    "maxpool.k3s1p1", "max pool 3/1/1" + kernels)
            try assertSameNonFinite(try maxPool2d(x, kernel: Pair2D(2, 2), stride: Pair2D(2, 2)), "maxpool.k2s2",
                                    "max pool 2/2" + kernels)
            try assertSameNonFinite(try softmax(try t("softmax.x"), axis: 1), "softmax.y", "softmax" + kernels)
        }
    }
}
