import XCTest
import ZooCPU
@testable import LayerZooDataset
@testable import LayerZooVision

/// Val's reading of an end-to-end head's one-to-one rows `[N, k, 6 + extra]`: filtered by
/// `conf` and cut at `max_det` as Ultralytics' `non_max_suppression(end2end=True)`, never
/// suppressed; rows that do not fit the task are errors.
final class EndToEndValTests: XCTestCase {
    func matching(_ task: ValTask) -> TaskMatching {
        TaskMatching(task: task, letterBox: ValLetterBox(imgsz: 64), endToEnd: true)
    }

    func testRowsAreFilteredNotSuppressed() throws {
        // Two overlapping boxes of one class (NMS would drop one), one below conf, one more after them.
        let rows: [Float] = [10, 10, 30, 30, 0.9, 1,
                             11, 11, 31, 31, 0.8, 1,
                             40, 40, 50, 50, 0.0005, 0,
                             2, 2, 8, 8, 0.5, 0]
        let output = try Tensor(shape: [1, 4, 6], data: rows)
        var nms = NMSOptions()
        nms.confidence = 0.001
        nms.iou = 0.7
        let all = try matching(.detect).predictions([output], nms)
        XCTAssertEqual(all.count, 1)
        XCTAssertEqual(all[0].map(\.confidence), [0.9, 0.8, 0.5])
        XCTAssertEqual(all[0].map(\.classIndex), [1, 1, 0])
        XCTAssertEqual(all[0][1].x1, 11)
        nms.maxDetections = 2
        XCTAssertEqual(try matching(.detect).predictions([output], nms)[0].map(\.confidence), [0.9, 0.8])
        XCTAssertEqual(try NonMaxSuppression.run(try Tensor(shape: [1, 6, 1], data: [20, 20, 20, 20, 0.9, 0.1]), nms)[0].count, 1,
                       "the same options run NMS on a one-to-many output")
    }

    func testOBBRowsKeepCentreSizeAndAngle() throws {
        let output = try Tensor(shape: [1, 1, 7], data: [20, 21, 10, 4, 0.7, 1, 0.5])
        let d = try XCTUnwrap(try matching(.obb).predictions([output], NMSOptions())[0].first)
        let box = TaskMatching.rotated(d)
        XCTAssertEqual([box.x, box.y, box.width, box.height, box.angle], [20, 21, 10, 4, 0.5])
    }

    func testRowsThatDoNotFitTheTaskAreErrors() throws {
        let pose = ValTask.pose(keypointShape: [3, 3], sigmas: [1, 1, 1])
        let cases: [(ValTask, [[Int]], String)] = [
            (.detect, [[1, 5, 7]], "[N, k, 6]"),
            (.detect, [[1, 5, 4]], "[N, k, 6 + extra]"),
            (.detect, [[5, 6]], "[N, k, 6 + extra]"),
            (.obb, [[1, 5, 6]], "[N, k, 7]"),
            (pose, [[1, 5, 6 + 8]], "kpt_shape [3, 3]"),
            (.pose(keypointShape: [Int.max, 3], sigmas: []), [[1, 5, 9]], "kpt_shape"),
            (.segment, [[1, 5, 38]], "prototypes"),
            (.segment, [[1, 5, 38], [1, 31, 16, 16]], "prototypes"),
        ]
        for (task, shapes, expected) in cases {
            let outputs = try shapes.map { try Tensor(shape: $0) }
            XCTAssertThrowsError(try matching(task).predictions(outputs, NMSOptions()), "\(task) \(shapes)") { error in
                XCTAssertTrue("\(error)".contains(expected), "\(task) \(shapes): \(error)")
            }
        }
        XCTAssertEqual(try matching(.segment).predictions([try Tensor(shape: [1, 5, 38]), try Tensor(shape: [1, 32, 16, 16])],
                                                          NMSOptions()).map(\.count), [0])
    }

    func testMaxDetectionsRiseToTheMostLabelsOfAnImage() {
        let label = LabelBox(classIndex: 0, x: 0.5, y: 0.5, width: 0.1, height: 0.1)
        let scan = DatasetScan(images: [DatasetImage(path: "a.jpg", height: 10, width: 10, labels: Array(repeating: label, count: 5))])
        var options = ValOptions()
        options.maxDetections = 3
        XCTAssertEqual(DetectionValidator(options: options).maxDetections(for: scan).count, 5)
        options.maxDetectionsIsDefault = false
        let kept = DetectionValidator(options: options).maxDetections(for: scan)
        XCTAssertEqual(kept.count, 3)
        XCTAssertTrue(kept.warning?.contains("Keeping the given --max-det 3") ?? false)
        options.maxDetections = 300
        XCTAssertNil(DetectionValidator(options: options).maxDetections(for: scan).warning)
    }
}
