import Foundation
import XCTest
@testable import LayerZooVision

/// Decoding against cv2.imread (IMREAD_COLOR) and letterboxing against Ultralytics' LetterBox:
/// FNV-1a hashes of their pixels, recorded in predict.json.
final class ImageDecoderTests: XCTestCase {
    func testDecodedAndLetterboxedPixelsMatchOpenCVAndUltralytics() throws {
        let cases = try XCTUnwrap(Fixtures.json("predict.json")["cases"] as? [[String: Any]])
        var checked = Set<String>()
        for c in cases {
            let options = c["options"] as? [String: Any] ?? [:]
            let imgsz = options["imgsz"] as? Int ?? 640
            let images = try XCTUnwrap(c["images"] as? [[String: Any]])
            let decoded = try images.map { try ImageDecoder.decode(path: Fixtures.image(try XCTUnwrap($0["source"] as? String))) }
            let sameShapes = Set(decoded.map(\.shape)).count == 1
            for (image, expected) in zip(decoded, images) {
                let name = expected["source"] as? String ?? "?"
                XCTAssertEqual(image.shape, expected["orig_shape"] as? [Int], name)
                XCTAssertEqual(Fixtures.fnv1a(image.pixels), expected["decoded_fnv1a"] as? String, "\(name): decoded pixels differ from cv2.imread")
                let (boxed, _) = try LetterBox(height: imgsz, width: imgsz, auto: sameShapes).apply(image)
                XCTAssertEqual(boxed.shape, expected["input_shape"] as? [Int], name)
                XCTAssertEqual(Fixtures.fnv1a(boxed.pixels), expected["letterboxed_fnv1a"] as? String, "\(name): letterboxed pixels differ")
                checked.insert(name)
            }
        }
        // JPEG colour, grey, with EXIF orientation 6; PNG grey, RGBA, palette, 16-bit, EXIF 8; a photograph.
        XCTAssertEqual(checked, ["shapes_640x427.jpg", "shapes_exif6.jpg", "shapes_grey.png", "shapes_rgba.png", "shapes_palette.png", "shapes_grey.jpg", "shapes_exif8.png",
                                 "shapes16.png", "bus.jpg"])
    }

    func testEXIFOrientationTurnsTheImageUpright() throws {
        let image = try ImageDecoder.decode(path: Fixtures.image("shapes_exif6.jpg"))
        XCTAssertEqual(image.shape, [300, 200])  // stored 200 x 300, rotated a quarter turn
        let pixels: [UInt8] = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6]  // 2 rows x 3 columns
        let small = try BGRImage(height: 2, width: 3, pixels: pixels)
        let rotated = EXIFOrientation.apply(6, to: small)  // clockwise: first column of the result is the bottom row
        XCTAssertEqual(rotated.shape, [3, 2])
        XCTAssertEqual(stride(from: 0, to: 18, by: 3).map { rotated.pixels[$0] }, [4, 1, 5, 2, 6, 3])
        XCTAssertEqual(stride(from: 0, to: 18, by: 3).map { EXIFOrientation.apply(3, to: small).pixels[$0] }, [6, 5, 4, 3, 2, 1])
        XCTAssertEqual(stride(from: 0, to: 18, by: 3).map { EXIFOrientation.apply(8, to: small).pixels[$0] }, [3, 6, 2, 5, 1, 4])
    }

    func expectError(_ path: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ImageDecoder.decode(path: path), file: file, line: line) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix(path + ": error: "), text, file: file, line: line)
            XCTAssertTrue(text.contains(fragment), text, file: file, line: line)
        }
    }

    func testBadImagesAreRefusedWithAReason() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-vision-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        expectError(Fixtures.image("huge.png"), "100000 x 100000 pixels is larger than the limit of 100 megapixels")
        expectError(Fixtures.image("cmyk.jpg"), "CMYK JPEG images are not supported")
        expectError(Fixtures.image("many_scans.jpg"), "more than 500 progressive scans")

        let jpeg = try Data(contentsOf: URL(fileURLWithPath: Fixtures.image("shapes_640x427.jpg")))
        let png = try Data(contentsOf: URL(fileURLWithPath: Fixtures.image("shapes_grey.png")))
        func write(_ name: String, _ data: Data) throws -> String {
            let url = scratch.appendingPathComponent(name)
            try data.write(to: url)
            return url.path
        }
        expectError(try write("cut.jpg", jpeg.prefix(jpeg.count / 2)), "truncated JPEG")
        expectError(try write("head.jpg", jpeg.prefix(100)), "corrupt JPEG header")
        expectError(try write("cut.png", png.prefix(png.count / 2)), "truncated PNG")
        var flipped = png
        flipped[png.count / 2] ^= 0xFF  // inside the compressed data: a CRC (or zlib) failure
        expectError(try write("flipped.png", flipped), "corrupt PNG")
        expectError(try write("text.jpg", Data("hello, world".utf8)), "not a JPEG or PNG image (the file starts with 68 65 6c 6c 6f 2c 20 77)")
        expectError(try write("empty.png", Data()), "empty file")
        expectError(scratch.path, "is a folder")
        expectError(scratch.appendingPathComponent("missing.jpg").path, "no such file")
        // A PNG whose IHDR claims a size the data cannot hold: refused before decoding, not read past the end.
        var lying = png.prefix(33)
        lying[16] = 0; lying[17] = 0; lying[18] = 0x27; lying[19] = 0x10  // width 10000
        expectError(try write("lying.png", lying), "corrupt PNG")
    }

    /// A FIFO or a device named as an image is refused from `stat` alone: opening a FIFO with no
    /// writer would block for ever, reading /dev/zero would never end. The read runs on another
    /// thread so that a regression fails the test instead of hanging it.
    func testFIFOsAndDevicesAreRefusedWithoutBlocking() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lz-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let fifo = scratch.appendingPathComponent("camera.jpg").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0, "mkfifo")
        for (path, fragment) in [(fifo, "is a FIFO (named pipe), not a regular file"), ("/dev/zero", "is a character device")] {
            let answered = expectation(description: path)
            let message = LockedText()
            Thread {
                do { _ = try ImageDecoder.decode(path: path) } catch { message.text = String(describing: error) }
                answered.fulfill()
            }.start()
            wait(for: [answered], timeout: 10)
            XCTAssertTrue(message.text.hasPrefix(path + ": error: "), message.text)
            XCTAssertTrue(message.text.contains(fragment), message.text)
        }
    }

    func testSixteenBitPNGKeepsTheHighByteAsOpenCVDoes() throws {
        let image = try ImageDecoder.decode(path: Fixtures.image("shapes16.png"))
        XCTAssertEqual(image.shape, [120, 160])
    }
}

/// A message written by one thread and read by another.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    var text: String {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
