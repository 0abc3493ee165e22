import XCTest
@testable import LayerZooVision

/// LetterBox geometry: Ultralytics' numbers for the shapes its predictor meets.
final class LetterBoxTests: XCTestCase {
    func testRectangularInferencePadsToTheStride() {
        let box = LetterBox(height: 640, width: 640, auto: true, stride: 32)
        // bus.jpg, 1080 x 810: scaled to 640 x 480, no padding needed.
        var g = box.geometry(imageHeight: 1080, imageWidth: 810)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.top, g.bottom, g.left, g.right], [640, 480, 0, 0, 0, 0])
        // 427 x 640: 213 rows short, 21 after the stride, split 10 / 11 (round(10.4), round(10.6)).
        g = box.geometry(imageHeight: 427, imageWidth: 640)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.top, g.bottom, g.left, g.right], [427, 640, 10, 11, 0, 0])
        XCTAssertEqual([g.outputHeight, g.outputWidth], [448, 640])
    }

    func testSquareLetterboxAndRounding() {
        let box = LetterBox(height: 640, width: 640)
        // 720 x 1280: 360 x 640, 280 rows of padding, 140 each side.
        var g = box.geometry(imageHeight: 720, imageWidth: 1280)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.top, g.bottom], [360, 640, 140, 140])
        // 3 x 5 scaled by 128: 384 x 640, 256 rows, 128 each side; 5 x 3 the other way round.
        g = box.geometry(imageHeight: 5, imageWidth: 3)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.left, g.right], [640, 384, 128, 128])
        // An odd padding: 101 columns split 50 / 51.
        g = LetterBox(height: 64, width: 165).geometry(imageHeight: 64, imageWidth: 64)
        XCTAssertEqual([g.left, g.right], [50, 51])
        // Python's round halves to even: 2.5 → 2, 3.5 → 4.
        XCTAssertEqual([pythonRound(2.5), pythonRound(3.5), pythonRound(-0.5)], [2, 4, 0])
        // Thin images keep at least one pixel.
        g = box.geometry(imageHeight: 1, imageWidth: 3000)
        XCTAssertEqual(g.resizedHeight, 1)
    }

    func testNonSquareTargetAndNoScaleUp() {
        // --imgsz 320,640 for a 427 x 640 image: scaled by 320/427 to 320 x 480, 80 columns each side.
        var g = LetterBox(height: 320, width: 640).geometry(imageHeight: 427, imageWidth: 640)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.top, g.bottom, g.left, g.right], [320, 480, 0, 0, 80, 80])
        g = LetterBox(height: 640, width: 640, scaleUp: false).geometry(imageHeight: 100, imageWidth: 200)
        XCTAssertEqual([g.resizedHeight, g.resizedWidth, g.top, g.bottom, g.left, g.right], [100, 200, 270, 270, 220, 220])
        // check_imgsz: sizes rounded up to the stride.
        let p = Preprocessor(height: 300, width: 641, stride: 32)
        XCTAssertEqual([p.height, p.width], [320, 672])
    }

    func testPaddingIsGrey114AndTheImageSitsInTheMiddle() throws {
        let image = try BGRImage(height: 2, width: 4, fill: 7)
        let (out, g) = try LetterBox(height: 8, width: 8).apply(image)
        XCTAssertEqual([out.height, out.width, g.top, g.bottom], [8, 8, 2, 2])
        XCTAssertEqual(out.pixels[0], 114)
        XCTAssertEqual(out.pixels[(2 * 8 + 0) * 3], 7)
        XCTAssertEqual(out.pixels[(5 * 8 + 7) * 3], 7)
        XCTAssertEqual(out.pixels[(6 * 8 + 7) * 3], 114)
    }

    func testScaleBoxesUndoesTheLetterbox() {
        // 427 x 640 in a 448 x 640 input: 10 rows of padding on top, gain 1.
        let s = BoxScaler(inputHeight: 448, inputWidth: 640, originalHeight: 427, originalWidth: 640)
        let d = s(Detection(x1: -5, y1: 20, x2: 100, y2: 500, confidence: 0.5, classIndex: 0))
        XCTAssertEqual([d.x1, d.y1, d.x2, d.y2], [0, 10, 100, 427])
        // bus.jpg in 640 x 640: width 480 → pad 80 each side, gain 640/1080 on each axis.
        let b = BoxScaler(inputHeight: 640, inputWidth: 640, originalHeight: 1080, originalWidth: 810)
        XCTAssertEqual(b.padX, 80)
        XCTAssertEqual(b(Detection(x1: 80, y1: 64, x2: 560, y2: 640, confidence: 1, classIndex: 0)).y1, 64 / Float(640.0 / 1080.0))
    }
}
