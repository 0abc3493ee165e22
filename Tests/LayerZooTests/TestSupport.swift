import Foundation
import LayerZoo
import LayerZooExampleSE
import LayerZooStandard
import XCTest

/// The repository root, found from this file's path (Tests/LayerZooTests/TestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The standard layers plus the example plugin, registered from Swift as a user's program would.
func testRegistry() throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    try registry.register(contentsOf: SqueezeExcitePlugin.definitions)
    return registry
}

/// Checks YAML text as `layerzoo validate` would.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    let source = ConfigSource(displayPath: file, text: yaml, scaleFromName: nil)
    let options = CheckOptions(scale: scale, imageHeight: imgsz.0, imageWidth: imgsz.1, batch: batch)
    return ModelChecker(registry: try testRegistry()).check(source, options: options)
}

/// A small valid YOLOv8-like model (n-scale channels) used as the base for broken variants.
let tinyModel = """
nc: 4
scales:
  n: [0.33, 0.25, 1024]
backbone:
  - [-1, 1, Conv, [64, 3, 2]]
  - [-1, 1, Conv, [128, 3, 2]]
  - [-1, 3, C2f, [128, True]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [-1, 1, SPPF, [256, 5]]
head:
  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]
  - [[-1, 2], 1, Concat, [1]]
  - [-1, 1, C2f, [128]]
  - [[7, 4], 1, Detect, [nc]]
"""

extension CheckReport {
    var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}
