import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// The standard layers (which include the backbone families).
func standardRegistry() throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    return registry
}

/// A fixture of Tests/BackboneFamilyTests/Resources (scripts/fixtures/gen_family_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: .module, generator: "gen_family_fixtures.py")
}

/// Ultralytics' counts for the YOLOv9, YOLOv10 and YOLO12 stock files and the custom model
/// (scripts/reference/family_counts.py).
func familyCounts() throws -> StockCounts {
    try StockCounts.load("family_counts", in: .module)
}

/// The module fixtures of Resources/modules and the checks every plugin's module tests share.
func moduleFixtures() throws -> ModuleFixtures {
    ModuleFixtures(registry: try standardRegistry(), fixture: { try fixture("modules/\($0)") })
}
