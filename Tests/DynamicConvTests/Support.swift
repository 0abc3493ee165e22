import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooDynamicConv
import LayerZooStandard
import XCTest
import ZooCPU

/// Standard layers plus this plugin's, as a program registering both would have them.
func dynamicConvRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: DynamicConvLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with Standard + DynamicConv layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try dynamicConvRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}

/// A fixture of Tests/DynamicConvTests/Resources (scripts/fixtures/gen_dynamicconv_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_dynamicconv_fixtures.py")
}

func resourceText(_ name: String, _ ext: String) throws -> String {
    try resourceText(name, ext, in: Bundle.module)
}


/// Builds the fixture's module through its registered definition, from the constructor
/// arguments in the fixture's metadata.
func makeModule(_ file: SafeTensorsFile) throws -> any Layer {
    let kind = try XCTUnwrap(file.metadata["module"])
    let args = try FixtureArgument.values(in: file)
    let definition = try XCTUnwrap(try dynamicConvRegistry().definition(named: kind))
    XCTAssertEqual(args.count, definition.arguments.count, kind)
    return try makeLayer(definition, args)
}

/// Sets every tensor of `module` from the fixture's `module.<key>` entries, then runs the
/// load-time preparation, children first (as Model.loadWeights does).
func loadModuleWeights(_ module: any Module, from file: SafeTensorsFile) throws {
    try loadTensors(module, from: file, keyPrefix: "module.", prepare: true)
}
