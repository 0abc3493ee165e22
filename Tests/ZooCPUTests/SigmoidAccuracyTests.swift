import Foundation
import XCTest
@testable import ZooCPU

/// SiLU and sigmoid against PyTorch's float results over their whole useful range
/// (Resources/sigmoid_sweep.safetensors, scripts/fixtures/gen_sigmoid_sweep.py), element by
/// element within 1e-6 of each value: through the activation loops and through the fused
/// epilogue of 1×1 convolutions whose identity weights pass every input through unchanged
/// (16 and 32 channels: full six-row tiles and the short last ones).
final class SigmoidAccuracyTests: XCTestCase {
    static let fixture: Result<SafeTensorsFile, Error> = Result {
        guard let url = Bundle.module.url(forResource: "sigmoid_sweep", withExtension: "safetensors",
                                          subdirectory: "Resources") else {
            throw BackendError.file(path: "Resources/sigmoid_sweep.safetensors", tensor: nil, message: "missing from the test bundle")
        }
        return try SafeTensorsFile(path: url.path)
    }

    private func t(_ name: String) throws -> Tensor { try Self.fixture.get().tensor(name) }

    override func tearDown() { ZooCPUSettings.portableKernels = false }

    /// The largest |got - want| / |want| (0 / 0 counts as 0); fails above 1e-6.
    @discardableResult
    private func assertWithinOneMillionth(_ got: [Float], _ want: [Float], _ label: String,
                                          file: StaticString = #filePath, line: UInt = #line) -> Double {
        XCTAssertEqual(got.count, want.count, label, file: file, line: line)
        var worst = 0.0, at = 0
        for (i, (g, w)) in zip(got, want).enumerated() {
            let e = abs(Double(g) - Double(w)) / max(abs(Double(w)), Double(Float.leastNormalMagnitude))
            if !(e <= worst) { (worst, at) = (e, i) }
        }
        XCTAssertLessThanOrEqual(worst, 1e-6, "\(label): \(got[at]) for PyTorch's \(want[at]) (element \(at))",
                                 file: file, line: line)
        return worst
    }

    func testActivationLoopsMatchPyTorch() throws {
        let x = try t("x")
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            for (name, act) in [("silu", Activation.silu), ("sigmoid", .sigmoid)] {
                let e = assertWithinOneMillionth(try activate(x, act).toArray(), try t(name).toArray(),
                                                 "\(name) portable=\(portable)")
                ErrorLog.shared.record("\(name) vs PyTorch, portable=\(portable)", Float(e))
            }
        }
    }

    func testConvolutionEpilogueMatchesPyTorch() throws {
        let values = try t("x").toArray()
        for channels in [16, 32] {
            let x = try Tensor(shape: [1, channels, values.count / channels / 16, 16], data: values)
            let eye = try Tensor(shape: [channels, channels, 1, 1],
                                 data: (0..<channels * channels).map { $0 / channels == $0 % channels ? 1 : 0 })
            for portable in [false, true] {
                ZooCPUSettings.portableKernels = portable
                for (name, act) in [("silu", Activation.silu), ("sigmoid", .sigmoid)] {
                    let y = try conv2d(x, weight: eye, epilogue: .activation(act))
                    assertWithinOneMillionth(y.toArray(), try t(name).toArray(),
                                             "1×1 conv \(channels) channels + \(name) portable=\(portable)")
                }
            }
        }
    }
}
