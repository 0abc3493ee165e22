import Foundation

/// Writes `data` to `path` only if nothing is there: into a temporary file created exclusively
/// in the same folder, then hard-linked into place (which fails rather than replace an existing
/// file), so a reader never sees half a file and no existing file is ever overwritten.
func writeNewFile(_ data: Data, to path: String) throws(ImageOutputError) {
    let folder = (path as NSString).deletingLastPathComponent
    let temporary = (folder.isEmpty ? "." : folder) + "/.layerzoo-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw ImageOutputError(path: path, message: "cannot create a file here (\(String(cString: strerror(errno))))") }
    defer { unlink(temporary) }
    var ok = true
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n <= 0 { ok = false; break }
            offset += n
        }
    }
    if fsync(fd) != 0 { ok = false }
    close(fd)
    guard ok else { throw ImageOutputError(path: path, message: "write failed (\(String(cString: strerror(errno))))") }
    guard link(temporary, path) == 0 else {
        if errno == EEXIST { throw ImageOutputError(path: path, message: "already exists; not overwritten") }
        throw ImageOutputError(path: path, message: "cannot write (\(String(cString: strerror(errno))))")
    }
}

struct ImageOutputError: Error, CustomStringConvertible {
    var path: String
    var message: String
    var description: String { "\(path): error: \(message)" }
}

/// Ultralytics' `increment_path` for the default save folder: `runs/predict`, then
/// `runs/predict2`, `runs/predict3`, ... — the first that does not exist, created.
func newNumberedFolder(_ base: String) throws(ImageOutputError) -> String {
    let parent = (base as NSString).deletingLastPathComponent
    if !parent.isEmpty {
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw ImageOutputError(path: parent, message: "cannot create the folder")
        }
    }
    for n in 1..<10_000 {
        let candidate = n == 1 ? base : base + String(n)
        if mkdir(candidate, 0o755) == 0 { return candidate }
        if errno != EEXIST { throw ImageOutputError(path: candidate, message: "cannot create the folder (\(String(cString: strerror(errno))))") }
    }
    throw ImageOutputError(path: base, message: "9999 numbered folders exist already")
}
