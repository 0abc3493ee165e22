import Foundation
import LayerZoo
import LayerZooStandard
import XCTest
import ZooCPU

/// The standard layers plus a plugin's, registered the way a program using that plugin would.
public func registryWithStandardLayers(
    and registerPlugin: (inout LayerRegistry) throws -> Void
) throws -> LayerRegistry {
    var registry = LayerRegistry()
    try StandardLayers.register(into: &registry)
    try registerPlugin(&registry)
    return registry
}

/// A safetensors fixture under `Resources/` of a test target's `bundle` (pass `Bundle.module`),
/// written by `scripts/fixtures/<generator>`.
public func safeTensorsFixture(_ name: String, in bundle: Bundle, generator: String) throws -> SafeTensorsFile {
    let url = try XCTUnwrap(bundle.url(forResource: "Resources/\(name)", withExtension: "safetensors"),
                            "missing fixture \(name): run scripts/fixtures/\(generator)")
    return try SafeTensorsFile(path: url.path)
}

/// A text file under `Resources/` of a test target's `bundle`.
public func resourceText(_ name: String, _ ext: String, in bundle: Bundle) throws -> String {
    let url = try XCTUnwrap(bundle.url(forResource: "Resources/\(name)", withExtension: ext), "missing \(name).\(ext)")
    return try String(contentsOf: url, encoding: .utf8)
}

/// The text of a bundled model file in `Configs/`.
public func configText(_ name: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/\(name)"), encoding: .utf8)
}
