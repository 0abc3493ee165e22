import Foundation
import LayerZooTestSupport
import XCTest
@testable import LayerZooVision

/// A seeded mutation fuzzer for the image decoders: every mutant of a JPEG and a PNG (bytes
/// flipped, runs overwritten, cut, repeated, header sizes changed) must come back as an image
/// or an `ImageError` — a trap or a longjmp through Swift would kill the test process.
/// `LAYERZOO_FUZZ_ITERATIONS` / `LAYERZOO_FUZZ_SECONDS` lengthen the run (scripts/fuzz.sh).
final class DecoderFuzzTests: XCTestCase {
    typealias Random = FuzzRandom

    /// Mutants per test in `swift test`; FuzzBudget lengthens the run from the environment.
    static let defaultIterations = 300

    func mutate(_ seed: [UInt8], _ rng: inout Random) -> [UInt8] {
        var bytes = seed
        for _ in 0...rng.below(3) {
            guard !bytes.isEmpty else { break }
            let i = rng.below(bytes.count)
            switch rng.below(6) {
            case 0: bytes[i] ^= UInt8(truncatingIfNeeded: 1 << rng.below(8))
            case 1: for k in i..<min(i + 1 + rng.below(16), bytes.count) { bytes[k] = UInt8(truncatingIfNeeded: rng.next()) }
            case 2: bytes.removeSubrange(i...)
            case 3: bytes.insert(contentsOf: bytes[i..<min(i + 1 + rng.below(64), bytes.count)], at: rng.below(bytes.count))
            case 4: bytes[i] = [0x00, 0xFF, 0x7F, 0x80][rng.below(4)]
            default:  // header sizes: PNG IHDR width/height, or the bytes after a JPEG SOF marker
                let at = rng.below(2) == 0 ? 16 + rng.below(8) : (bytes.firstIndex(of: 0xC0).map { $0 + 4 + rng.below(4) } ?? i)
                if at < bytes.count { bytes[at] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return bytes
    }

    /// Rewrites every PNG chunk's CRC so that mutants get past libpng's checksum into the
    /// header, zlib and filter code (as far as the chunk lengths still make sense).
    static func fixPNGChecksums(_ bytes: inout [UInt8]) {
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length <= bytes.count - at - 12 else { return }
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes[(at + 4)..<(at + 8 + length)] {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            crc ^= 0xFFFF_FFFF
            let end = at + 8 + length
            bytes[end] = UInt8(crc >> 24); bytes[end + 1] = UInt8((crc >> 16) & 0xFF)
            bytes[end + 2] = UInt8((crc >> 8) & 0xFF); bytes[end + 3] = UInt8(crc & 0xFF)
            at = end + 4
        }
    }

    func fuzz(_ name: String, _ seed: [UInt8], share: Double, fixChecksums: Bool = false) {
        var rng = Random(state: 0x5eed ^ UInt64(seed.count) ^ (fixChecksums ? 0xF1 : 0))
        var reasons: [String: Int] = [:]
        var decoded = 0, refused = 0
        let budget = FuzzBudget(defaultIterations: Self.defaultIterations)
        while budget.more(decoded + refused, share: share) {
            do throws(ImageError) {
                var bytes = mutate(seed, &rng)
                if fixChecksums { Self.fixPNGChecksums(&bytes) }
                let image = try ImageDecoder.decode(Data(bytes))
                XCTAssertEqual(image.pixels.count, image.height * image.width * 3)
                decoded += 1
            } catch {
                XCTAssertFalse(error.message.isEmpty)
                reasons[String(error.message.prefix(60)), default: 0] += 1
                refused += 1
            }
        }
        print("fuzzer: \(name): \(decoded + refused) mutants, \(decoded) decoded, \(refused) refused with a message")
        XCTAssertGreaterThan(refused, 0)
        if ProcessInfo.processInfo.environment["LAYERZOO_FUZZ_VERBOSE"] != nil { print(reasons) }
    }

    func testJPEGMutants() throws {
        let seed = try Data(contentsOf: URL(fileURLWithPath: Fixtures.image("shapes_exif6.jpg")))
        fuzz("JPEG", [UInt8](seed), share: 0.5)
    }

    func testPNGMutants() throws {
        var image = try BGRImage(height: 24, width: 40, fill: 0)
        for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: i &* 31) }
        let png = [UInt8](try PNGEncoder.encode(image))
        fuzz("PNG", png, share: 0.5)
        fuzz("PNG with checksums fixed", png, share: 0.5, fixChecksums: true)
    }
}
