import Foundation
import XCTest
import ZooCPU

/// `--threads` above the cores this process may use runs with that many threads, with a note:
/// spinning workers beyond the cores only wait on one another.
final class ThreadCapTests: XCTestCase {
    struct Report: Decodable { var threads: Int }

    func bench(_ prefix: [String], threads: Int) throws -> (threads: Int, stderr: String) {
        let arguments = ["bench", "yolov8n.yaml", "--imgsz", "32", "--runs", "1", "--warmup", "0",
                         "--threads", "\(threads)", "--format", "json"]
        let r = prefix.isEmpty
            ? try runLayerZoo(arguments)
            : try runProgram(URL(fileURLWithPath: prefix[0]), Array(prefix.dropFirst()) + [try layerZooBinary().path] + arguments)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)).threads, r.stderr)
    }

    func testThreadsAboveTheCoresAreCappedWithANote() throws {
        let cores = AvailableCores.count
        let r = try bench([], threads: 64)
        XCTAssertEqual(r.threads, min(64, cores))
        if cores < 64 {
            XCTAssertTrue(r.stderr.contains("note: --threads 64 is more than the \(cores) cores available to this process; using \(cores)"),
                          r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("--threads") }.count, 1, r.stderr)
        }
    }

    /// An affinity mask of one CPU (taskset) is one core, whatever the machine has.
    func testTheAffinityMaskBoundsTheCores() throws {
        let taskset = "/usr/bin/taskset"
        guard FileManager.default.isExecutableFile(atPath: taskset) else { throw XCTSkip("no taskset") }
        let r = try bench([taskset, "-c", "0"], threads: 4)
        XCTAssertEqual(r.threads, 1)
        XCTAssertTrue(r.stderr.contains("note: --threads 4 is more than the 1 cores available to this process; using 1"), r.stderr)
    }

    func testThreadsWithinTheCoresAreKeptWithoutANote() throws {
        let r = try bench([], threads: 1)
        XCTAssertEqual(r.threads, 1)
        XCTAssertFalse(r.stderr.contains("note: --threads"), r.stderr)
    }
}
