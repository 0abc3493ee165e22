import Foundation
// The process runner (runProgram, CLIResult) lives in Tests/Support for the server tests too.
@_exported import LayerZooTestSupport
import XCTest

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built `layerzoo` next to the test bundle.
func layerZooBinary() throws -> URL {
    try builtProgram(named: "layerzoo")
}

/// Runs `layerzoo` with `arguments` from the repository root, as a user would.
func runLayerZoo(_ arguments: [String]) throws -> CLIResult {
    try runProgram(try layerZooBinary(), arguments)
}
