import Foundation
// The process runner (runProgram, CLIResult) lives in Tests/Support for the server tests too.
@_exported import LayerZooTestSupport
import XCTest
import ZooCPU

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

/// Checks that the `.safetensors` file `run --output` wrote holds exactly `names`, each within
/// 1e-4 of the same tensor in `fixture`, relative to the fixture's largest magnitude.
func assertWrittenOutputs(_ written: String, match fixture: String, names: [String],
                          file: StaticString = #filePath, line: UInt = #line) throws {
    let written = try SafeTensorsFile(path: written)
    XCTAssertEqual(Set(written.entries.map(\.name)), Set(names), file: file, line: line)
    let reference = try SafeTensorsFile(path: fixture)
    for name in names {
        let y = try written.tensor(name).toArray(), expected = try reference.tensor(name).toArray()
        XCTAssertEqual(y.count, expected.count, name, file: file, line: line)
        let scale = expected.map(abs).max() ?? 1
        let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst / scale, 1e-4, name, file: file, line: line)
    }
}
