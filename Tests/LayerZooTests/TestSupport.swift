import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooExampleSE
import LayerZooStandard
import XCTest

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
    checkYAML(yaml, registry: try testRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
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

