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
    try runProgram(try layerZooBinary(), arguments)
}

/// Runs `executable` and collects both of its outputs. They are read at the same time: a child
/// that fills one pipe (64 KiB on Linux) while the parent waits on the other would block forever.
func runProgram(_ executable: URL, _ arguments: [String], in directory: URL = repositoryRoot,
                environment: [String: String]? = nil) throws -> CLIResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stderr = PipeDrain(err.fileHandleForReading)
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = stderr.wait()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                     stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Reads a pipe to its end on a background thread.
private final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe delivered, once its writer closed it.
    func wait() -> Data {
        done.wait()
        return data
    }
}
