import Foundation
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
}
