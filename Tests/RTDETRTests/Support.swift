import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The standard layers (RTDETRDecoder among them).
func standardRegistry() throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    return registry
}

/// A fixture of Tests/RTDETRTests/Resources (scripts/fixtures/gen_rtdetr_decoder_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: .module, generator: "gen_rtdetr_decoder_fixtures.py")
}

/// A metadata entry decoded from JSON.
func metadata<T: Decodable>(_ file: SafeTensorsFile, _ key: String, as type: T.Type = T.self) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(try XCTUnwrap(file.metadata[key], "metadata \(key)").utf8))
}

/// Errors of RT-DETR detections [N, k, 6] (cx, cy, w, h, score, class) against PyTorch's: each
/// expected row is matched with a row of ours of the same class whose score is within
/// `tolerance` of the largest score (seeded models' scores cluster so tightly that rounding
/// can swap neighbours, as it would between two PyTorch builds); the boxes' error is relative
/// to the largest coordinate, the scores' to the largest score. A row without a match makes
/// both infinite.
func detectionRowErrors(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-4) -> (boxes: Float, scores: Float) {
    guard actual.shape == expected.shape, expected.shape.count == 3, expected.shape[2] == 6 else { return (.infinity, .infinity) }
    let a = actual.toArray(), e = expected.toArray()
    let (n, k) = (expected.shape[0], expected.shape[1])
    var boxMax: Float = 0, scoreMax: Float = 0
    for r in 0..<(n * k) {
        for j in 0..<4 { boxMax = max(boxMax, abs(e[r * 6 + j])) }
        scoreMax = max(scoreMax, abs(e[r * 6 + 4]))
    }
    var boxError: Float = 0, scoreError: Float = 0
    for image in 0..<n {
        var used = [Bool](repeating: false, count: k)
        for i in 0..<k {
            let want = (image * k + i) * 6
            var best: (index: Int, box: Float, score: Float)?
            for j in 0..<k where !used[j] {
                let got = (image * k + j) * 6
                let scoreDiff = abs(a[got + 4] - e[want + 4])
                guard a[got + 5] == e[want + 5], scoreDiff <= tolerance * max(scoreMax, 1e-12) else { continue }
                var boxDiff: Float = 0
                for c in 0..<4 { boxDiff = max(boxDiff, abs(a[got + c] - e[want + c])) }
                if best.map({ boxDiff < $0.box }) ?? true { best = (j, boxDiff, scoreDiff) }
            }
            guard let match = best else { return (.infinity, .infinity) }
            used[match.index] = true
            boxError = max(boxError, match.box)
            scoreError = max(scoreError, match.score)
        }
    }
    return (boxError / max(boxMax, 1e-12), scoreError / max(scoreMax, 1e-12))
}

/// Asserts detections equal PyTorch's (as `detectionRowErrors` matches them) within 1e-4 and
/// that the scores come out sorted; returns the errors.
@discardableResult
func assertDetectionsMatch(_ actual: Tensor, _ expected: Tensor, _ name: String, file: StaticString = #filePath,
                           line: UInt = #line) -> (boxes: Float, scores: Float) {
    XCTAssertEqual(actual.shape, expected.shape, name, file: file, line: line)
    let errors = detectionRowErrors(actual, expected)
    print("\(name): max relative error boxes \(errors.boxes), scores \(errors.scores)")
    XCTAssertLessThan(errors.boxes, 1e-4, "\(name) boxes", file: file, line: line)
    XCTAssertLessThan(errors.scores, 1e-4, "\(name) scores", file: file, line: line)
    let a = actual.toArray(), k = actual.shape.count == 3 ? actual.shape[1] : 0
    for r in 0..<a.count / 6 where r % max(k, 1) > 0 {
        XCTAssertGreaterThanOrEqual(a[(r - 1) * 6 + 4], a[r * 6 + 4], "\(name): scores out of order at row \(r)", file: file, line: line)
    }
    return errors
}
