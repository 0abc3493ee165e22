import XCTest
@testable import LayerZooVision

/// What the tasks add to annotated images: blended masks, keypoints and skeleton, rotated boxes,
/// the top-five classes.
final class TaskAnnotatorTests: XCTestCase {
    let grey: [UInt8] = [40, 40, 40]

    func pixel(_ image: BGRImage, _ x: Int, _ y: Int) -> [UInt8] {
        Array(image.pixels[(y * image.width + x) * 3..<(y * image.width + x) * 3 + 3])
    }

    func result(_ detections: [Detection], height: Int = 100, width: Int = 200) -> ImageResult {
        ImageResult(source: "x", originalHeight: height, originalWidth: width, inputHeight: height, inputWidth: width,
                    detections: detections, names: ClassNames([0: "square", 1: "disc"]))
    }

    func testMasksAreBlendedInTheClassColourAtHalfOpacity() throws {
        let image = try BGRImage(height: 100, width: 200, fill: 40)
        var r = result([Detection(x1: 10, y1: 10, x2: 90, y2: 90, confidence: 0.9, classIndex: 1)])
        var mask = BinaryMask(height: 100, width: 200)
        for y in 20..<40 { for x in 120..<160 { mask.pixels[y * 200 + x] = 1 } }
        r.masks = [mask]
        let out = Annotator.draw(r, on: image)
        let c = Annotator.color(1)
        XCTAssertEqual(pixel(out, 130, 30), [UInt8(20 + Float(c.0) / 2), UInt8(20 + Float(c.1) / 2), UInt8(20 + Float(c.2) / 2)])
        XCTAssertEqual(pixel(out, 170, 30), grey, "outside the mask")
    }

    func testKeypointsAndTheSkeletonOf17() throws {
        let image = try BGRImage(height: 100, width: 200, fill: 40)
        var r = result([Detection(x1: 0, y1: 0, x2: 1, y2: 1, confidence: 0.9, classIndex: 0)])
        // On a circle: the limbs (chords) cross only where their keypoints interleave.
        func at(_ i: Int) -> (x: Float, y: Float) {
            (100 + 40 * cos(2 * .pi * Float(i) / 17), 50 + 40 * sin(2 * .pi * Float(i) / 17))
        }
        var points = (0..<17).map { Keypoint(x: at($0).x, y: at($0).y, visible: 0.9) }
        points[16].visible = 0.1  // under 0.25: not drawn
        r.keypoints = [points]
        let out = Annotator.draw(r, on: image)
        let nose = Annotator.bgr(Annotator.posePalette[16]), hip = Annotator.bgr(Annotator.posePalette[9])
        XCTAssertEqual(pixel(out, Int(at(0).x), Int(at(0).y)), [nose.0, nose.1, nose.2])
        XCTAssertEqual(pixel(out, Int(at(11).x), Int(at(11).y)), [hip.0, hip.1, hip.2], "keypoint 12 (a hip)")
        XCTAssertEqual(pixel(out, Int(at(16).x), Int(at(16).y)), grey, "invisible keypoint 17 and its limbs")
        // Limb 6-7 (the shoulders, palette 0) between keypoints 6 and 7.
        let limb = Annotator.bgr(Annotator.posePalette[0])
        let mid = ((at(5).x + at(6).x) / 2, (at(5).y + at(6).y) / 2)
        let around = (-1...1).flatMap { dy in (-1...1).map { dx in pixel(out, Int(mid.0) + dx, Int(mid.1) + dy) } }
        XCTAssertTrue(around.contains([limb.0, limb.1, limb.2]), "\(around)")
        // Three keypoints: discs only, in the class palette.
        r.keypoints = [[Keypoint(x: 30, y: 20, visible: nil), Keypoint(x: 0, y: 0, visible: nil), Keypoint(x: 150, y: 80, visible: 1)]]
        let few = Annotator.draw(r, on: image)
        let second = Annotator.color(2)
        XCTAssertEqual(pixel(few, 150, 80), [second.0, second.1, second.2])
        XCTAssertEqual(pixel(few, 90, 50), grey, "no skeleton")
    }

    func testRotatedBoxesAreDrawnAsPolygons() throws {
        let image = try BGRImage(height: 100, width: 200, fill: 40)
        var r = result([Detection(x1: 60, y1: 10, x2: 140, y2: 90, confidence: 0.9, classIndex: 0)])
        r.rotatedBoxes = [RotatedBox(x: 100, y: 50, width: 56.57, height: 56.57, angle: .pi / 4)]  // a diamond
        let out = Annotator.draw(r, on: image)
        let c = Annotator.color(0)
        XCTAssertEqual(pixel(out, 80, 30), [c.0, c.1, c.2], "on the edge from (100, 10) to (60, 50)")
        XCTAssertEqual(pixel(out, 61, 89), grey, "the corner of the axis-aligned box stays empty")
        XCTAssertEqual(pixel(out, 100, 50), grey)
    }

    func testTopFiveClassesAreWrittenTopLeft() throws {
        let image = try BGRImage(height: 100, width: 200, fill: 40)
        var r = result([])
        r.probabilities = [0.1, 0.7, 0.2]
        XCTAssertEqual(r.top5, [1, 2, 0])
        let out = Annotator.draw(r, on: image)
        let band = (3..<12).flatMap { y in (4..<40).map { x in pixel(out, x, y) } }
        XCTAssertGreaterThan(band.filter { $0 == [64, 64, 64] }.count, band.count / 3, "a grey band behind the text")
        XCTAssertEqual(pixel(out, 150, 90), grey)
    }
}
