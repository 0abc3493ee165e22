import Foundation
import XCTest
@testable import LayerZooDSConv
import ZooCPU

/// The quantiser's float→Int8 conversion with data-derived scales that are not usable:
/// all-subnormal weights (whose scale has no finite inverse, so codes would be NaN) must
/// quantise to valid codes, never trap; non-finite weights are refused with a message.
final class DSConvNonFiniteTests: XCTestCase {
    func testSubnormalWeightsQuantiseWithoutTrapping() throws {
        let tiny = Float.leastNonzeroMagnitude
        var values: [Float] = (0..<(4 * 40 * 3 * 3)).map { Float(($0 * 37) % 17) / 8 - 1 }
        // Output channel 0: each block (one tap, 32 input channels) mixes 0, tiny and -2 tiny.
        for k in 0..<(40 * 9) { values[k] = (k / 9) % 3 == 0 ? tiny : (k / 9) % 3 == 1 ? -2 * tiny : 0 }
        for bits in [2, 4, 8] {
            let q = try DSConvQuantizer.quantize(try Tensor(shape: [4, 40, 3, 3], data: values), bits: bits)
            let range = PackedCodes.range(bits: bits)
            for i in 0..<40 {
                for tap in 0..<9 { XCTAssertTrue(range.contains(Int(q.code(0, i, tap))), "bits \(bits)") }
            }
            let w = try q.dequantized().toArray()
            XCTAssertTrue(w.allSatisfy(\.isFinite))
            for k in 0..<(40 * 9) { XCTAssertLessThanOrEqual(abs(w[k] - values[k]), 4 * tiny) }
        }
    }

    func testNonFiniteWeightsAreRefused() throws {
        var values = [Float](repeating: 0.5, count: 2 * 8 * 9)
        values[7] = .nan
        XCTAssertThrowsError(try DSConvQuantizer.quantize(try Tensor(shape: [2, 8, 3, 3], data: values), bits: 4)) { error in
            XCTAssertTrue("\(error)".contains("NaN or infinite"), "\(error)")
        }
    }
}
