import Foundation
import XCTest

/// The test helper that runs programs: it must not deadlock on a child's large output.
final class CLISupportTests: XCTestCase {
    /// A child writing 256 KiB to stderr before closing stdout blocked forever when the helper
    /// read stdout to its end first (the stderr pipe holds 64 KiB).
    func testLargeStderrAndStdoutAreBothCollected() throws {
        let r = try runProgram(URL(fileURLWithPath: "/bin/sh"),
                               ["-c", "head -c 262144 /dev/zero | tr '\\0' e >&2; head -c 100000 /dev/zero | tr '\\0' o; exit 3"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stderr.utf8.count, 262_144)
        XCTAssertTrue(r.stderr.allSatisfy { $0 == "e" })
        XCTAssertEqual(r.stdout.utf8.count, 100_000)
        XCTAssertTrue(r.stdout.allSatisfy { $0 == "o" })
    }
}
