import Foundation
import LayerZoo
import LayerZooSnakeConv
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Standard layers plus the SnakeConv plugin's, as a program registering both would have them
///.
func snakeRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: SnakeConvLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with Standard + SnakeConv layers.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640)) throws -> CheckReport {
    checkYAML(yaml, registry: try snakeRegistry(), file: file, scale: scale, imgsz: imgsz)
}

/// A fixture of Tests/SnakeConvTests/Resources (scripts/fixtures/gen_snakeconv_fixtures.py).
func fixture(_ name: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(name, in: Bundle.module, generator: "gen_snakeconv_fixtures.py")
}

func resourceText(_ name: String, _ ext: String) throws -> String {
    try resourceText(name, ext, in: Bundle.module)
}

/// Builds the fixture's module through the registered definition of its name and variant, from
/// the constructor arguments in the fixture's metadata (JSON null stands for None).
func makeModule(_ file: SafeTensorsFile) throws -> any Layer {
    let kind = try XCTUnwrap(file.metadata["module"]), variant = try XCTUnwrap(file.metadata["variant"])
    let json = try XCTUnwrap(file.metadata["args"])
    let args = try JSONDecoder().decode([Argument].self, from: Data(json.utf8)).map(\.value)
    let registry = try snakeRegistry()
    let found = variant.isEmpty ? registry.definition(named: kind) : registry.definition(named: kind, variant: variant)
    let definition = try XCTUnwrap(found, "\(kind) \(variant)")
    return try makeLayer(definition, args)
}

func loadModuleWeights(_ module: any Module, from file: SafeTensorsFile) throws {
    try loadTensors(module, from: file, keyPrefix: "module.", prepare: true)
}

/// A fixture argument: FixtureArgument's kinds plus JSON null (None).
struct Argument: Decodable {
    var value: ArgValue

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = c.decodeNil() ? .none : try c.decode(FixtureArgument.self).value
    }
}
