import XCTest
@testable import ZooCPU

/// `widenToFloat` (its AVX2 and portable loops, cut into pieces on the pool) gives what the
/// scalar `HalfConversion` gives, bit for bit: every one of the 65,536 half and bfloat16
/// patterns, read from an odd (unaligned) address, in runs of odd lengths.
final class FloatWideningTests: XCTestCase {
    override func tearDown() {
        ZooCPUSettings.threadCount = AvailableCores.count
    }

    /// Every 16-bit pattern twice over, plus three (more than one piece of the pool's cut),
    /// stored little-endian one byte past an aligned address.
    func widened(_ type: StoredFloat, portable: Bool, count: Int) -> (patterns: [UInt16], floats: [Float]) {
        let patterns = (0..<count).map { UInt16(truncatingIfNeeded: $0 &* 40_503) }
        var bytes = [UInt8](repeating: 0, count: 1 + 2 * count)
        for (i, p) in patterns.enumerated() {
            bytes[1 + 2 * i] = UInt8(p & 0xff)
            bytes[2 + 2 * i] = UInt8(p >> 8)
        }
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                guard let base = raw.baseAddress, let d = dst.baseAddress else { return }
                widenToFloat(type, from: base + 1, count: count, into: d, portable: portable)
            }
        }
        return (patterns, out)
    }

    func testHalfAndBFloat16MatchTheScalarReferenceForEveryPattern() {
        for threads in [1, 2] {
            ZooCPUSettings.threadCount = threads
            for portable in [false, true] {
                for count in [2 * 65_536 + 3, 13, 7] {
                    let half = widened(.float16, portable: portable, count: count)
                    XCTAssertEqual(half.floats.map(\.bitPattern), half.patterns.map { HalfConversion.float(fromHalf: $0).bitPattern },
                                   "half, threads \(threads), portable \(portable), \(count)")
                    let brain = widened(.bfloat16, portable: portable, count: count)
                    XCTAssertEqual(brain.floats.map(\.bitPattern), brain.patterns.map { HalfConversion.float(fromBFloat16: $0).bitPattern },
                                   "bfloat16, threads \(threads), portable \(portable), \(count)")
                }
            }
        }
    }

    func testFloat32IsCopiedFromAnUnalignedAddress() {
        ZooCPUSettings.threadCount = 2
        var rng = SplitMix64(seed: 3)
        let values = (0..<(70_001)).map { _ in Float.random(in: -3...3, using: &rng) }
        var bytes = [UInt8](repeating: 0, count: 3)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        var out = [Float](repeating: .nan, count: values.count)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                guard let base = raw.baseAddress, let d = dst.baseAddress else { return }
                widenToFloat(.float32, from: base + 3, count: values.count, into: d)
            }
        }
        XCTAssertEqual(out, values)
    }
}
