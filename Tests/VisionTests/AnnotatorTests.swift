import XCTest
@testable import LayerZooVision

/// Annotated images: Ultralytics' layout and colours, and PNG files that read back unchanged.
final class AnnotatorTests: XCTestCase {
    func testBoxesAndLabelsAreDrawnInTheClassColour() throws {
        let image = try BGRImage(height: 400, width: 600, fill: 40)
        let result = ImageResult(source: "x", originalHeight: 400, originalWidth: 600, inputHeight: 416, inputWidth: 608,
                                 detections: [Detection(x1: 100, y1: 150, x2: 300, y2: 350, confidence: 0.87, classIndex: 1)],
                                 names: ClassNames([1: "disc"]))
        let out = Annotator.draw(result, on: image)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(out.pixels[(y * 600 + x) * 3..<(y * 600 + x) * 3 + 3]) }
        let c = Annotator.color(1)  // Ultralytics' second colour, 0BDBEB, as BGR
        XCTAssertEqual([c.0, c.1, c.2], [0xEB, 0xDB, 0x0B])
        // Line width max(round((400 + 600) / 2 * 0.003), 2) = 2, on the box edges.
        XCTAssertEqual(pixel(200, 150), [0xEB, 0xDB, 0x0B])
        XCTAssertEqual(pixel(100, 250), [0xEB, 0xDB, 0x0B])
        XCTAssertEqual(pixel(200, 250), [40, 40, 40], "inside the box is untouched")
        XCTAssertEqual(pixel(97, 250), [40, 40, 40], "the line is 2 pixels wide")
        // The label sits above the box: a filled band with text in it.
        let band = (130..<149).flatMap { y in (101..<160).map { x in pixel(x, y) } }
        XCTAssertGreaterThan(band.filter { $0 == [0xEB, 0xDB, 0x0B] }.count, band.count / 2)
        if GlyphRenderer.shared.isAvailable {
            XCTAssertGreaterThan(band.filter { $0 != [0xEB, 0xDB, 0x0B] && $0 != [40, 40, 40] }.count, 20, "text pixels in the label")
        }
        XCTAssertEqual(pixel(10, 10), [40, 40, 40])
    }

    func testJPEGRoundTripIsClose() throws {
        var image = try BGRImage(height: 48, width: 64, fill: 0)
        for y in 0..<48 { for x in 0..<64 { for c in 0..<3 { image.pixels[(y * 64 + x) * 3 + c] = UInt8(2 * x + y + 40 * c) } } }
        let data = try JPEGEncoder.encode(image)
        XCTAssertEqual(Array(data.prefix(3)), [0xFF, 0xD8, 0xFF])
        let back = try ImageDecoder.decode(data)
        XCTAssertEqual(back.shape, image.shape)
        let error = zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / image.pixels.count
        XCTAssertLessThanOrEqual(error, 2, "mean absolute error of a quality-95 JPEG of a smooth image")
        XCTAssertThrowsError(try JPEGEncoder.encode(try BGRImage(height: 1, width: 70_000, fill: 0)))
    }

    func testPNGRoundTrip() throws {
        var image = try BGRImage(height: 7, width: 11, fill: 0)
        for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: i &* 37) }
        XCTAssertEqual(try ImageDecoder.decode(PNGEncoder.encode(image)), image)
    }
}
