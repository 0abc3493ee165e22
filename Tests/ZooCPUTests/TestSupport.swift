import Foundation
import XCTest
@testable import ZooCPU

/// Deterministic generator so random-shape tests reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomTensor(_ shape: [Int], _ rng: inout SplitMix64, scale: Float = 1) throws -> Tensor {
    let t = try Tensor(shape: shape)
    for i in 0..<t.count { t.pointer[i] = Float.random(in: -1...1, using: &rng) * scale }
    return t
}

/// Largest |a - b| divided by the largest |b| (1 when b is all zeros).
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    var diff: Float = 0, mag: Float = 0
    for i in 0..<min(a.count, b.count) {
        diff = max(diff, abs(a.pointer[i] - b.pointer[i]))
        mag = max(mag, abs(b.pointer[i]))
    }
    return diff / max(mag, 1e-30)
}

/// Runs `conv` under each (threads, portable kernels) setting and asserts it matches
/// `reference` within `tol` (the caller's tear-down restores the settings).
func assertEverySettingMatches(_ reference: Tensor, settings: [(threads: Int, portable: Bool)], tol: Float = 5e-5,
                               _ label: String, file: StaticString = #filePath, line: UInt = #line,
                               _ conv: () throws -> Tensor) rethrows {
    for (threads, portable) in settings {
        ZooCPUSettings.threadCount = threads
        ZooCPUSettings.portableKernels = portable
        assertClose(try conv(), reference, tol: tol, "\(label) threads=\(threads) portable=\(portable)", file: file, line: line)
    }
}

/// Asserts same shape and relative error within `tol`; returns the error for reporting.
@discardableResult
func assertClose(_ a: Tensor, _ b: Tensor, tol: Float = 1e-4, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) -> Float {
    XCTAssertEqual(a.shape, b.shape, "\(label): shape", file: file, line: line)
    guard a.shape == b.shape else { return .infinity }
    let e = relativeError(a, b)
    XCTAssertLessThanOrEqual(e, tol, "\(label): relative error \(e)", file: file, line: line)
    XCTAssertFalse(e.isNaN, "\(label): NaN", file: file, line: line)
    return e
}

/// Records the largest error seen per suite, printed at the end of the golden tests.
final class ErrorLog: @unchecked Sendable {
    static let shared = ErrorLog()
    private let lock = NSLock()
    private var worst: [String: Float] = [:]
    func record(_ label: String, _ e: Float) { lock.withLock { worst[label] = e } }
    var summary: [(String, Float)] { lock.withLock { worst.sorted { $0.key < $1.key } } }
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoocpu-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

/// Asserts that `body` throws a `BackendError` whose description contains every fragment.
func assertThrows<T>(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as BackendError {
        let text = error.description
        for f in fragments {
            XCTAssertTrue(text.contains(f), "error \"\(text)\" lacks \"\(f)\"", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
}

func writeTestFile(_ path: String, _ data: Data, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data), "cannot write \(path)", file: file, line: line)
}
