import LayerZoo
import XCTest
import ZooCPU

/// Largest absolute difference between two tensors relative to the largest expected
/// magnitude (the tests' tolerance is 1e-4 of it); infinity when the sizes differ.
public func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    let a = actual.toArray(), e = expected.toArray()
    guard a.count == e.count else { return .infinity }
    var diff: Float = 0, magnitude: Float = 0
    for i in 0..<e.count {
        diff = max(diff, abs(a[i] - e[i]))
        magnitude = max(magnitude, abs(e[i]))
    }
    return diff / max(magnitude, 1e-12)
}

/// For Detect outputs [N, 4 + nc, A]: the largest difference over the boxes relative to the
/// largest box value, and over the class scores relative to the largest score, so that box
/// coordinates (hundreds of pixels) cannot hide errors in the scores (below 1). With
/// `rowsOfColumns`, outputs are [N, A, 4 + ...] (YOLOv5's anchor-based Detect).
public func detectionErrors(_ actual: Tensor, _ expected: Tensor, rowsOfColumns: Bool = false) -> (boxes: Float, scores: Float) {
    let a = actual.toArray(), e = expected.toArray()
    let shape = expected.shape
    guard a.count == e.count, shape.count == 3 else { return (.infinity, .infinity) }
    let (n, c, anchors) = rowsOfColumns ? (shape[0], shape[2], shape[1]) : (shape[0], shape[1], shape[2])
    var boxDiff: Float = 0, boxMax: Float = 0, scoreDiff: Float = 0, scoreMax: Float = 0
    for b in 0..<n {
        for ch in 0..<c {
            for i in 0..<anchors {
                let k = rowsOfColumns ? (b * anchors + i) * c + ch : (b * c + ch) * anchors + i
                if ch < 4 {
                    boxDiff = max(boxDiff, abs(a[k] - e[k]))
                    boxMax = max(boxMax, abs(e[k]))
                } else {
                    scoreDiff = max(scoreDiff, abs(a[k] - e[k]))
                    scoreMax = max(scoreMax, abs(e[k]))
                }
            }
        }
    }
    return (boxDiff / max(boxMax, 1e-12), scoreDiff / max(scoreMax, 1e-12))
}

/// Runs `model` with seeded weights (seed 0, as `scripts/fixtures/seeded.py` gives PyTorch) on
/// the fixture's `input` and asserts its Detect output equals the fixture's `output`: boxes
/// and scores each within 1e-4 of their own magnitude. Prints the errors. `output` names the
/// fixture's tensor; `rowsOfColumns` as in `detectionErrors`.
public func assertSeededOutputMatches(_ model: Model, _ fixture: SafeTensorsFile, _ name: String, output outputName: String = "output",
                                      rowsOfColumns: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
    try model.initializeSeededWeights(seed: 0)
    let input = try fixture.tensor("input"), expected = try fixture.tensor(outputName)
    let output = try model.forward(input)
    XCTAssertEqual(output.shape, expected.shape, name, file: file, line: line)
    let error = detectionErrors(output, expected, rowsOfColumns: rowsOfColumns)
    print("\(name): max relative error boxes \(error.boxes), scores \(error.scores)")
    XCTAssertLessThan(error.boxes, 1e-4, "\(name) boxes", file: file, line: line)
    XCTAssertLessThan(error.scores, 1e-4, "\(name) scores", file: file, line: line)
}

/// One row of a counts file a counts generator writes (Ultralytics' numbers for a config).
public struct CountsCase: Decodable, Sendable {
    public var config: String
    public var scale: String
    public var imgsz: Int
    public var parameters: Int
    public var layer_parameters: [Int]
    public var gflops: Double

    /// The rows of a counts file's text.
    public static func decode(_ json: String) throws -> [CountsCase] {
        try JSONDecoder().decode([CountsCase].self, from: Data(json.utf8))
    }

    /// The model's parameters (in total and per layer) and the trace's GFLOPs (within 1e-6)
    /// equal these.
    public func assertMatches(_ model: Model, trace: ShapeTrace?, _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(model.parameterCount, parameters, label, file: file, line: line)
        XCTAssertEqual(model.nodes.map(\.layer.parameterCount), layer_parameters, label, file: file, line: line)
        XCTAssertEqual(try XCTUnwrap(trace?.gflops, label, file: file, line: line), gflops, accuracy: 1e-6, label, file: file, line: line)
    }
}
