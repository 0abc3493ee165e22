import Foundation
import LayerZoo
import LayerZooDBB
import LayerZooStandard
import XCTest
import ZooCPU

/// The repository root, found from this file's path (Tests/DBBTests/DBBTestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Standard layers plus this plugin's.
func dbbRegistry() throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    try DBBLayers.register(into: &registry)
    return registry
}

/// Checks YAML text as `layerzoo validate` would.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    let source = ConfigSource(displayPath: file, text: yaml, scaleFromName: nil)
    let options = CheckOptions(scale: scale, imageHeight: imgsz.0, imageWidth: imgsz.1, batch: batch)
    return ModelChecker(registry: try dbbRegistry()).check(source, options: options)
}

/// A valid model built from YAML text.
func buildModel(_ yaml: String, file: String, scale: String?) throws -> Model {
    let report = try check(yaml, file: file, scale: scale)
    XCTAssertTrue(report.isValid, "\(file): \(report.diagnostics)")
    return try XCTUnwrap(report.model)
}

/// A fixture file under Resources/.
func fixture(_ path: String) throws -> SafeTensorsFile {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/\(path)", withExtension: "safetensors"),
                            "missing fixture \(path): run scripts/fixtures/gen_dbb_fixtures.py")
    return try SafeTensorsFile(path: url.path)
}

/// A text resource under Resources/.
func resourceText(_ path: String, _ ext: String) throws -> String {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/\(path)", withExtension: ext))
    return try String(contentsOf: url, encoding: .utf8)
}

/// The text of a file in Configs/.
func configText(_ name: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/\(name)"), encoding: .utf8)
}

/// Largest absolute difference relative to the expected tensor's largest magnitude.
func relativeError(_ actual: Tensor, _ expected: Tensor) -> Float {
    let a = actual.toArray(), e = expected.toArray()
    var diff: Float = 0, top: Float = 0
    for i in 0..<min(a.count, e.count) {
        diff = max(diff, abs(a[i] - e[i]))
        top = max(top, abs(e[i]))
    }
    return a.count == e.count ? diff / max(top, 1e-12) : .infinity
}

/// Detect outputs: boxes and class scores each relative to their own magnitude, so box
/// coordinates (pixels) cannot hide errors in the scores.
func detectionErrors(_ actual: Tensor, _ expected: Tensor) -> (boxes: Float, scores: Float) {
    let a = actual.toArray(), e = expected.toArray()
    let shape = expected.shape
    guard actual.shape == shape, shape.count == 3 else { return (.infinity, .infinity) }
    let (n, c, anchors) = (shape[0], shape[1], shape[2])
    var boxDiff: Float = 0, boxMax: Float = 0, scoreDiff: Float = 0, scoreMax: Float = 0
    for b in 0..<n {
        for ch in 0..<c {
            for i in 0..<anchors {
                let k = (b * c + ch) * anchors + i
                if ch < 4 {
                    boxDiff = max(boxDiff, abs(a[k] - e[k])); boxMax = max(boxMax, abs(e[k]))
                } else {
                    scoreDiff = max(scoreDiff, abs(a[k] - e[k])); scoreMax = max(scoreMax, abs(e[k]))
                }
            }
        }
    }
    return (boxDiff / max(boxMax, 1e-12), scoreDiff / max(scoreMax, 1e-12))
}

/// Sets every tensor of `module` (keys relative to it) from `file`; num_batches_tracked is skipped.
func loadTensors(_ module: any Module, from file: SafeTensorsFile) throws {
    for (key, parameter) in module.namedTensors() where !key.hasSuffix("num_batches_tracked") {
        parameter.value = try file.tensor(key, expectedShape: parameter.shape)
    }
}

extension CheckReport {
    var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}
