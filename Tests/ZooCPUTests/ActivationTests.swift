import Foundation
import XCTest
@testable import ZooCPU

/// Activations over a wide range (the golden file covers |x| <= ~12) against Double formulas.
final class ActivationTests: XCTestCase {
    func testExtremeInputsMatchDoubleFormulas() throws {
        let xs: [Float] = [-1000, -150, -100, -88, -87, -30, -20.5, -5, -1e-3, -1e-30, 0, 1e-30, 1e-3, 0.5, 5, 19.9, 20.1, 30, 87, 88, 100, 1000]
        let cases: [(Activation, (Double) -> Double)] = [
            (.sigmoid, { 1 / (1 + Foundation.exp(-$0)) }),
            (.silu, { $0 / (1 + Foundation.exp(-$0)) }),
            (.tanh, { Foundation.tanh($0) }),
            (.mish, { $0 > 20 ? $0 : $0 * Foundation.tanh(Foundation.log1p(Foundation.exp($0))) }),
            (.gelu, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }),
            (.hardswish, { $0 * min(max($0 + 3, 0), 6) / 6 }),
        ]
        let x = try Tensor(shape: [xs.count], data: xs)
        defer { ZooCPUSettings.portableKernels = false }
        for portable in [false, true] {
            ZooCPUSettings.portableKernels = portable
            for (act, f) in cases {
                let y = try activate(x, act)
                for (i, v) in xs.enumerated() {
                    let want = f(Double(v))
                    let got = Double(y.pointer[i])
                    XCTAssertFalse(got.isNaN, "\(act)(\(v)) is NaN")
                    XCTAssertLessThanOrEqual(abs(got - want), 2e-6 * max(1, abs(want)),
                                             "\(act)(\(v)) = \(got), want \(want) (portable: \(portable))")
                }
            }
        }
    }

    func testFusedAffineAndTail() throws {
        // 13 elements: exercises a non-multiple-of-vector tail with scale and shift.
        let data = (0..<13).map { Float($0) - 6 }
        let src = try Tensor(shape: [13], data: data)
        let dst = try Tensor(shape: [13])
        Activation.relu.apply(from: src.pointer, to: dst.pointer, count: 13, scale: 2, shift: 1)
        XCTAssertEqual(dst.toArray(), data.map { max($0 * 2 + 1, 0) })
        XCTAssertEqual(Activation.leakyReLU(0.25)(-4), -1)
        XCTAssertEqual(Activation.relu6(9), 6)
    }
}
