import Foundation
import LayerZoo
import LayerZooTestSupport
import LayerZooScConv
import LayerZooStandard
import XCTest
import ZooCPU

/// A registry with the standard layers and this plugin's.
func scconvRegistry() throws -> LayerRegistry {
    try registryWithStandardLayers(and: ScConvLayers.register(into:))
}

/// Checks YAML text as `layerzoo validate` would, with the ScConv plugin registered.
func check(_ yaml: String, file: String = "model.yaml", scale: String? = nil, imgsz: (Int, Int) = (640, 640),
           batch: Int = 1) throws -> CheckReport {
    checkYAML(yaml, registry: try scconvRegistry(), file: file, scale: scale, imgsz: imgsz, batch: batch)
}


/// A fixture file under Resources/ (written by scripts/fixtures/gen_scconv_fixtures.py).
func fixture(_ path: String) throws -> SafeTensorsFile {
    try safeTensorsFixture(path, in: Bundle.module, generator: "gen_scconv_fixtures.py")
}


/// A constructor argument as the fixture's JSON writes it (true/false, integers, floats).
enum FixtureArgument: Decodable {
    case bool(Bool), int(Int), float(Double)

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else { self = .float(try c.decode(Double.self)) }
    }

    var value: ArgValue {
        switch self {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        }
    }
}

/// The layer a module fixture describes, built through its registered definition (so the
/// YAML path's checks and defaults are what is tested), with the fixture's weights loaded and
/// load-time preparation run. Batch norms keep PyTorch's eps 1e-5, as the standalone
/// PyTorch module does.
func moduleFromFixture(_ file: SafeTensorsFile) throws -> any Layer {
    let kind = try XCTUnwrap(file.metadata["kind"])
    let definition = try XCTUnwrap(ScConvLayers.definitions.first { $0.name == kind }, kind)
    let written = try JSONDecoder().decode([FixtureArgument].self, from: Data(try XCTUnwrap(file.metadata["args"]).utf8))
    var values = written.map(\.value)
    for spec in definition.arguments.dropFirst(values.count) { values.append(try XCTUnwrap(spec.defaultValue, spec.name)) }
    let layer = try definition.make(LayerArguments(specs: definition.arguments, values: values), ModelContext())
    for (key, parameter) in layer.namedTensors(prefix: "module.") where !key.hasSuffix("num_batches_tracked") {
        parameter.value = try file.tensor(key)
    }
    try layer.prepareTreeForInference()
    return layer
}
