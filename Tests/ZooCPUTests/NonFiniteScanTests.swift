import XCTest
@testable import ZooCPU

/// `NonFinite.first` (the AVX2 scan and the portable one) finds the first NaN or infinity
/// that `isFinite` finds, wherever it lies in a run of odd length, and nil in finite ones
/// (subnormals and the largest floats included).
final class NonFiniteScanTests: XCTestCase {
    func testTheScanFindsWhatIsFiniteFinds() throws {
        var rng = SplitMix64(seed: 17)
        let specials: [Float] = [.nan, -.nan, .infinity, -.infinity, Float(bitPattern: 0x7f80_0001), Float(bitPattern: 0xffc0_1234)]
        let finite: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, 0]
        for count in [1, 7, 31, 32, 33, 97, 1_001] {
            for trial in 0..<6 {
                var values = (0..<count).map { _ in Float.random(in: -2...2, using: &rng) }
                for _ in 0..<3 { values[Int.random(in: 0..<count, using: &rng)] = finite[Int.random(in: 0..<finite.count, using: &rng)] }
                let hits = trial == 0 ? 0 : Int.random(in: 1...2, using: &rng)
                for _ in 0..<hits { values[Int.random(in: 0..<count, using: &rng)] = specials[Int.random(in: 0..<specials.count, using: &rng)] }
                let t = try Tensor(shape: [count], data: values)
                let expected = values.firstIndex { !$0.isFinite }
                for portable in [false, true] {
                    let got = NonFinite.first(in: t, portable: portable)
                    XCTAssertEqual(got?.index, expected, "\(count) values, trial \(trial), portable \(portable)")
                    XCTAssertEqual(got?.value.bitPattern, expected.map { values[$0].bitPattern })
                }
            }
        }
    }
}
