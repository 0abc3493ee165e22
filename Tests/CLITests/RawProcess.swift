import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs `layerzoo` with arguments given as bytes (Foundation's `Process` takes Strings, so it
/// cannot pass a file name that is not UTF-8), in `directory`, optionally through `/bin/sh -c`
/// with `shellPrefix` (e.g. "ulimit -f 1;"). Returns the status and both outputs.
func runLayerZooRaw(_ arguments: [[UInt8]], in directory: URL, shellPrefix: String? = nil) throws -> CLIResult {
    let binary = try layerZooBinary().path
    var argv: [[UInt8]]
    if let shellPrefix {
        // sh -c 'PREFIX exec "$0" "$@"' BINARY ARGS...
        argv = [Array("/bin/sh".utf8), Array("-c".utf8), Array((shellPrefix + " exec \"$0\" \"$@\"").utf8), Array(binary.utf8)]
            + arguments
    } else {
        argv = [Array(binary.utf8)] + arguments
    }
    // Outputs go to files (no pipe to drain while waiting).
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("lz-raw-\(getpid())-\(UUID().uuidString).out")
    let errFile = outFile.appendingPathExtension("err")
    defer {
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
        p[bytes.count] = 0
        return p
    } + [nil]
    defer { for p in cArgs { p?.deallocate() } }
    guard let program = cArgs[0] else { throw XCTSkip("no program") }
    let previous = FileManager.default.currentDirectoryPath
    guard chdir(directory.path) == 0 else { throw XCTSkip("chdir failed") }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, program, &actions, nil, cArgs, environ)
    _ = chdir(previous)
    guard spawned == 0 else { throw XCTSkip("posix_spawn failed: \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let stdoutData = (try? Data(contentsOf: outFile)) ?? Data()
    let stderrData = (try? Data(contentsOf: errFile)) ?? Data()
    return CLIResult(status: exit, stdout: String(decoding: stdoutData, as: UTF8.self),
                     stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Creates `name` (bytes) in `directory` with `contents`; returns false on failure.
@discardableResult
func writeRawNamedFile(_ name: [UInt8], in directory: URL, contents: Data) -> Bool {
    let path = Array(directory.path.utf8) + [UInt8(ascii: "/")] + name
    let c = path.map { CChar(bitPattern: $0) } + [0]
    let fd = c.withUnsafeBufferPointer { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == contents.count
}

/// The names in `directory`, as bytes.
func rawDirectoryListing(_ directory: URL) -> [[UInt8]] {
    guard let dir = opendir(directory.path) else { return [] }
    defer { closedir(dir) }
    var names: [[UInt8]] = []
    while let entry = readdir(dir) {
        var name = entry.pointee.d_name
        let bytes = withUnsafeBytes(of: &name) { Array($0.prefix(while: { $0 != 0 })) }
        if bytes != [46], bytes != [46, 46] { names.append(bytes) }
    }
    return names
}
