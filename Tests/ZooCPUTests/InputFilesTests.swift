import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import ZooCPU

/// The never-clobber guard is per record: a long-lived process (the server) gives each unit of
/// work its own, so that files read once do not stay protected, or pile up, for its lifetime.
final class InputFilesTests: XCTestCase {
    func testAFileReadUnderARecordIsProtectedOnlyThere() throws {
        // Under a record of its own: the process's record may hold a recycled inode of a
        // temporary file another test read, which would make this file look like an input.
        try InputFiles.withNewRecord {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("input-files-\(UUID().uuidString).bin").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let bytes: [UInt8] = [1, 2, 3]
            try bytes.withUnsafeBytes { try AtomicFile.write(path, [$0]) }
            let outer = InputFiles.current
            try InputFiles.withNewRecord {
                XCTAssertFalse(InputFiles.current === outer)
                _ = try RegularFile.readAll(path, maxBytes: 16)
                XCTAssertEqual(InputFiles.current.count, 1)
                XCTAssertThrowsError(try bytes.withUnsafeBytes { try AtomicFile.write(path, [$0]) }) { error in
                    XCTAssertTrue("\(error)".contains("one of this command's input files"), "\(error)")
                }
            }
            // The record of that work is gone: the process's own never saw the file.
            XCTAssertTrue(InputFiles.current === outer)
            try bytes.withUnsafeBytes { try AtomicFile.write(path, [$0]) }
            try InputFiles.withNewRecord {
                XCTAssertEqual(InputFiles.current.count, 0)
                try bytes.withUnsafeBytes { try AtomicFile.write(path, [$0]) }
            }
        }
    }

    /// A file read is known by device, inode, size and modification time: another path to it (a
    /// hard link) is still refused, but a new file that got the inode of a deleted input (the
    /// system recycles inodes at once) is not mistaken for it.
    func testARecycledInodeIsNotAnInput() throws {
        try InputFiles.withNewRecord {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lz-inodes-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let bytes: [UInt8] = [1, 2, 3, 4]
            func identity(_ path: String) throws -> FileIdentity {
                var st = stat()
                XCTAssertEqual(lstat(path, &st), 0, path)
                return FileIdentity(st)
            }
            let input = folder.appendingPathComponent("input.bin").path, link = folder.appendingPathComponent("link.bin").path
            try bytes.withUnsafeBytes { try AtomicFile.write(input, [$0]) }
            _ = try RegularFile.readAll(input, maxBytes: 16)
            XCTAssertEqual(link.withCString { l in input.withCString { Glibc.link($0, l) } }, 0)
            XCTAssertThrowsError(try bytes.withUnsafeBytes { try AtomicFile.write(link, [$0]) }) { error in
                XCTAssertTrue("\(error)".contains("one of this command's input files"), "\(error)")
            }
            let read = try identity(input)
            var recycled = read
            recycled.modifiedNanoseconds = (read.modifiedNanoseconds + 1) % 1_000_000_000
            XCTAssertTrue(InputFiles.contains(read))
            XCTAssertFalse(InputFiles.contains(recycled), "same device and inode, another file")
            recycled = read
            recycled.size += 1
            XCTAssertFalse(InputFiles.contains(recycled))

            // The real thing, where the file system hands the freed inode to the next file.
            try FileManager.default.removeItem(atPath: input)
            try FileManager.default.removeItem(atPath: link)
            for attempt in 0..<20 {
                let path = folder.appendingPathComponent("new-\(attempt).bin").path
                try Data([9, 9]).write(to: URL(fileURLWithPath: path))
                guard try identity(path).inode == read.inode else { continue }
                try bytes.withUnsafeBytes { try AtomicFile.write(path, [$0]) }
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data(bytes))
                break
            }
        }
    }
}
