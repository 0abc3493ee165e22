import Foundation
import LayerZoo
import XCTest
import ZooCPU

/// One plugin's module fixtures (`module_<case>.safetensors`, written by a generator from the
/// module's PyTorch twin): metadata `module`, `variant`, `args` (JSON, null for None), `keys`,
/// `parameters`, `thop_macs`; tensors `module.<key>`, `input`, `output`. The checks every
/// plugin's module tests run on them.
public struct ModuleFixtures {
    public let registry: LayerRegistry
    public let fixture: (String) throws -> SafeTensorsFile

    public init(registry: LayerRegistry, fixture: @escaping (String) throws -> SafeTensorsFile) {
        self.registry = registry
        self.fixture = fixture
    }

    /// The fixture's module, built through the registered definition of its name and variant
    /// from the constructor arguments in its metadata.
    public func module(_ file: SafeTensorsFile) throws -> any Layer {
        let kind = try XCTUnwrap(file.metadata["module"]), variant = file.metadata["variant"] ?? ""
        let found = variant.isEmpty ? registry.definition(named: kind) : registry.definition(named: kind, variant: variant)
        return try makeLayer(try XCTUnwrap(found, "\(kind) \(variant)"), try FixtureArgument.values(in: file))
    }

    /// The module with the fixture's weights loaded and prepared.
    public func loadedModule(_ file: SafeTensorsFile) throws -> any Layer {
        let layer = try module(file)
        try loadTensors(layer, from: file, keyPrefix: "module.", prepare: true)
        return layer
    }

    /// State_dict keys in PyTorch's order, their shapes, and the parameter count.
    public func assertKeysShapesAndCounts(_ cases: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for name in cases {
            let f = try fixture("module_\(name)")
            let layer = try module(f)
            let keys = try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(f.metadata["keys"]).utf8))
            let ours = layer.namedTensors()
            XCTAssertEqual(ours.map(\.key), keys, "\(name): state_dict keys or their order differ", file: file, line: line)
            for (key, parameter) in ours {
                XCTAssertEqual(parameter.shape, f.entry("module.\(key)")?.shape, "\(name): \(key)", file: file, line: line)
            }
            XCTAssertEqual(layer.parameterCount, Int(try XCTUnwrap(f.metadata["parameters"])), name, file: file, line: line)
        }
    }

    /// Outputs against PyTorch's within `tolerance` of their magnitude; returns the worst error.
    @discardableResult
    public func assertOutputs(_ cases: [String], tolerance: Float = 1e-4, file: StaticString = #filePath,
                              line: UInt = #line) throws -> Float {
        var worst: Float = 0
        for name in cases {
            let f = try fixture("module_\(name)")
            let layer = try loadedModule(f)
            let input = try f.tensor("input"), expected = try f.tensor("output")
            let output = try layer.forward([input], on: CPUBackend())
            XCTAssertEqual(output.shape, expected.shape, name, file: file, line: line)
            let error = relativeError(output, expected)
            worst = max(worst, error)
            XCTAssertLessThan(error, tolerance, name, file: file, line: line)
        }
        return worst
    }

    /// thop's count of one sample equals the traced multiply-accumulates at batch 1.
    public func assertMacs(_ cases: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for name in cases {
            let f = try fixture("module_\(name)")
            let layer = try module(f)
            let input = try f.tensor("input")
            let backend = ShapeBackend()
            _ = try layer.forward([ShapeValue([1] + Array(input.shape.dropFirst()))], on: backend)
            XCTAssertEqual(backend.macs, Int(try XCTUnwrap(f.metadata["thop_macs"])), name, file: file, line: line)
        }
    }
}
