import XCTest
@testable import LayerZooVision

/// The resize against cv2.resize(INTER_LINEAR) on seeded uint8 images (resize.json).
final class BilinearResizeTests: XCTestCase {
    func testMatchesOpenCVBitForBit() throws {
        let cases = try XCTUnwrap(Fixtures.json("resize.json")["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 8)
        for c in cases {
            let src = try XCTUnwrap(c["src"] as? [Int]), dst = try XCTUnwrap(c["dst"] as? [Int])
            let seed = try XCTUnwrap(c["seed"] as? Int)
            var bytes = Fixtures.splitmixBytes(seed: UInt64(seed), count: src[0] * src[1] * src[2])
            if src[2] == 1 { bytes = bytes.flatMap { [$0, $0, $0] } }  // grey: resize each replicated channel
            let image = try BGRImage(height: src[0], width: src[1], pixels: bytes)
            let out = try BilinearResize.resize(image, height: dst[0], width: dst[1])
            let label = "\(src) → \(dst)"
            if let pixels = c["pixels"] as? [Int] {
                let ours = src[2] == 1 ? stride(from: 0, to: out.pixels.count, by: 3).map { Int(out.pixels[$0]) } : out.pixels.map(Int.init)
                XCTAssertEqual(ours.count, pixels.count, label)
                let worst = zip(ours, pixels).map { abs($0 - $1) }.max() ?? 0
                XCTAssertEqual(worst, 0, "largest difference to cv2 for \(label)")
            } else {
                XCTAssertEqual(Fixtures.fnv1a(out.pixels), c["fnv1a"] as? String, label)
            }
        }
    }

    func testSameSizeIsACopyAndOnePixelSourcesWork() throws {
        let image = try BGRImage(height: 1, width: 1, pixels: [10, 20, 30])
        let up = try BilinearResize.resize(image, height: 3, width: 5)
        XCTAssertEqual(up.pixels, (0..<45).map { [10, 20, 30][$0 % 3] })
        XCTAssertEqual(try BilinearResize.resize(up, height: 3, width: 5), up)
    }
}
