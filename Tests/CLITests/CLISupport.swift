import Foundation
import XCTest

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The built `layerzoo` next to the test bundle.
func layerZooBinary() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("layerzoo")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw XCTSkip("layerzoo binary not found next to the test bundle")
}

/// Runs `layerzoo` with `arguments` from the repository root, as a user would.
func runLayerZoo(_ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = try layerZooBinary()
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderr, as: UTF8.self))
}
