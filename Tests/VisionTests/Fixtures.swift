import Foundation
import XCTest
@testable import LayerZooVision

/// The committed fixtures of scripts/fixtures/gen_predict_fixtures.py.
enum Fixtures {
    static let resources = Bundle.module.url(forResource: "Resources", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")

    static func image(_ name: String) -> String { resources.appendingPathComponent("images/\(name)").path }

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: resources.appendingPathComponent(name))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// FNV-1a (64-bit) of bytes, as the generator hashes cv2's pixels.
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The generator's seeded pixels: the low byte of splitmix64 steps.
    static func splitmixBytes(seed: UInt64, count: Int) -> [UInt8] {
        (1...count).map { i in
            var z = seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }
}
