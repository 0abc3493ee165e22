import Foundation
import LayerZooCheckpoint
import XCTest

/// Files built to hurt a reader: each must end in a clear error, run nothing, and allocate
/// nothing large.
final class HostileCheckpointTests: XCTestCase {
    static let marker = "/tmp/layerzoo-checkpoint-marker-"

    func error(_ name: String, limits: CheckpointLimits = CheckpointLimits()) throws -> String {
        let path = try Fixtures.path("hostile/" + name)
        do {
            _ = try PyTorchCheckpoint(path: path, limits: limits)
        } catch {
            XCTAssertTrue(error.description.hasPrefix(path + ": "), error.description)
            return error.description
        }
        XCTFail("\(name) was accepted")
        return ""
    }

    func testPayloadsThatRunCommandsUnderPythonRunNothing() throws {
        // Each payload creates its marker when Python unpickles it (the generator checks that).
        let cases = ["os_system": "posix.system", "builtins_eval": "builtins.eval", "subprocess_obj": "subprocess.Popen",
                     "inst_os_system": "os.system"]
        for (name, callable) in cases {
            let marker = Self.marker + name
            try? FileManager.default.removeItem(atPath: marker)
            let text = try error(name + ".pt")
            XCTAssertTrue(text.contains("is an object of \(callable) without attributes (a call in a checkpoint is never made); expected a torch.nn.Module"), text)
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "\(name) ran its payload")
        }
    }

    func testThePayloadIsAnInertObject() throws {
        let archive = try TorchArchive(path: try Fixtures.path("hostile/os_system.pt"))
        let graph = try Unpickler(file: archive.path, entry: archive.pickleEntryName, storageBytes: { _ in nil }).unpickle(archive.pickle())
        let model = try XCTUnwrap(graph.object(graph.dict(graph.root)?["model"]))
        XCTAssertEqual(model.className, "posix.system") // what CPython writes for os.system
        XCTAssertEqual(model.arguments, [.string("touch \(Self.marker)os_system")])
    }

    func testNestingMemoAndStorageLimits() throws {
        XCTAssertTrue(try error("deep_nesting.pt").contains("containers nested deeper than 200 levels"))
        XCTAssertTrue(try error("memo_put_huge.pt").contains("memo index 4294967295 is over the limit of 4194304"))
        XCTAssertTrue(try error("memo_get_unset.pt").contains("memo index 2147483632 was never set"))
        XCTAssertTrue(try error("storage_short.pt").contains("storage '0' says 100 × FloatStorage = 400 bytes, but its entry data/0 holds 40"))
        XCTAssertTrue(try error("view_past_storage.pt").contains(
            "tensor of size [10, 10], stride [10, 1] at offset 50 reaches element 149 of storage '0', which has 100"))
    }

    func testZipBombs() throws {
        XCTAssertTrue(try error("bomb_lying.pt").contains("archive/data/0: inflates to more than the 400 bytes its header declares"))
        var small = CheckpointLimits()
        small.maxTotalBytes = 1 << 20
        XCTAssertTrue(try error("bomb_large.pt", limits: small).contains(
            "archive/data/0: declares 33554432 bytes, over the limit of 1048576 storage bytes in all"))
        small.maxPickleBytes = 100
        XCTAssertTrue(try error("bomb_large.pt", limits: small).contains("archive/data.pkl: declares"))
    }

    func testCycles() throws {
        XCTAssertTrue(try error("cyclic_modules.pt").contains(
            "cyclic module tree: module 'model' (ultralytics.nn.tasks.Module) contains itself"))
        XCTAssertTrue(try error("cyclic_yaml.pt").contains("the model's yaml dict cannot be written as YAML: nested deeper than 32 levels (or cyclic)"))
        // A list that contains itself is a value like any other.
        let graph = try Unpickler(file: "t", entry: "e", storageBytes: { _ in nil }).unpickle(bytes("gAJdcQBoAGEu"))
        XCTAssertEqual(graph.sequence(graph.root), [graph.root])
    }

    /// Values shared many times over (each level refers to the next twice) are walked and
    /// written within a budget, not 2^depth times.
    func testSharingDoesNotExplode() throws {
        XCTAssertTrue(try error("shared_modules.pt").contains("the module tree has more than 100000 modules"))
        XCTAssertTrue(try error("shared_yaml.pt").contains("the model's yaml dict cannot be written as YAML: it expands to more than 200000 values"))
    }

    func testTruncatedAndCorruptArchives() throws {
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.path("trainer_ema_half.pt"))))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-ckpt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for fraction in [0.0, 0.001, 0.1, 0.5, 0.9, 0.999] {
            let path = dir.appendingPathComponent("cut.pt").path
            try Data(whole.prefix(Int(Double(whole.count) * fraction))).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try PyTorchCheckpoint(path: path), "cut at \(fraction)") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("truncated") || text.contains("the file is empty"), text)
            }
        }
        // One flipped byte inside a storage: the CRC catches it.
        var flipped = whole
        let at = try XCTUnwrap(find(Array("/data/0".utf8), in: flipped)) + 200
        flipped[at] ^= 0xFF
        let path = dir.appendingPathComponent("flipped.pt").path
        try Data(flipped).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PyTorchCheckpoint(path: path)) { error in
            XCTAssertTrue("\(error)".contains("CRC-32 mismatch") || "\(error)".contains("truncated"), "\(error)")
        }
    }

    func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}

func bytes(_ base64: String) -> [UInt8] {
    [UInt8](Data(base64Encoded: base64) ?? Data())
}
