import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The second round of hostile inputs (issue 26), one or more cases per class: totals that a
/// small file drives, memory before limits, hangs on special files and threads, non-finite
/// values, output files, names, plugins and limits that leak. Each case runs the real tool
/// in a scratch folder and checks the status, the message and, where it matters, the files
/// left behind and the time taken.
final class HostileInputTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-hostile-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    struct Case {
        var name: String
        /// Arguments, given the scratch folder (files are prepared inside).
        var arguments: (URL) throws -> [String]
        var status: Int32
        var fragments: [String]
        /// Most seconds the case may take (a hang or a runaway build fails it).
        var seconds: Double = 30
        var check: ((URL) throws -> Void)? = nil
    }

    static func yamlRows(_ rows: [String], head: String = "  - [[-1], 1, Detect, [nc]]") -> String {
        "nc: 2\nbackbone:\n" + rows.map { "  - " + $0 }.joined(separator: "\n") + "\nhead:\n" + head + "\n"
    }

    func file(_ dir: URL, _ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url.path
    }

    func file(_ dir: URL, _ name: String, bytes: [UInt8]) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func fifo(_ dir: URL, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        guard mkfifo(path, 0o644) == 0 else { throw XCTSkip("mkfifo failed") }
        return path
    }

    /// A float32 .npy of `shape`, all `value` except NaN at element `nanAt`.
    static func npy(_ shape: [Int], value: Float = 0.5, nanAt: Int? = nil) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ")
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0a)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)] + header
        let count = shape.reduce(1, *)
        bytes.reserveCapacity(bytes.count + 4 * count)
        for i in 0..<count {
            let v = i == nanAt ? Float.nan : value
            withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// A safetensors file of F32 tensors.
    static func safetensors(_ tensors: [(String, [Int], [Float])]) -> [UInt8] {
        var fields: [String] = [], data: [UInt8] = []
        for (name, shape, values) in tensors {
            let begin = data.count
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            fields.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        let json = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        var length = UInt64(json.count)
        var bytes: [UInt8] = []
        for _ in 0..<8 { bytes.append(UInt8(length & 0xff)); length >>= 8 }
        return bytes + json + data
    }

    static let tinyConv = "backbone:\n  - [-1, 1, Conv, [8, 1, 1]]\nhead: []\n"

    /// Weights for `tinyConv` with the given running variance.
    static func tinyWeights(variance: Float, weight: Float = 1) -> [UInt8] {
        safetensors([("model.0.conv.weight", [8, 3, 1, 1], Array(repeating: 0.1, count: 24)),
                     ("model.0.bn.weight", [8], [1, 1, weight, 1, 1, 1, 1, 1]),
                     ("model.0.bn.bias", [8], Array(repeating: 0, count: 8)),
                     ("model.0.bn.running_mean", [8], Array(repeating: 0, count: 8)),
                     ("model.0.bn.running_var", [8], [1, 1, variance, 1, 1, 1, 1, 1])])
    }

    func noTemporaries(_ dir: URL) {
        let left = rawDirectoryListing(dir).filter { $0.starts(with: Array(".lz-".utf8)) }
        XCTAssertTrue(left.isEmpty, "temporary files left: \(left.map { String(decoding: $0, as: UTF8.self) })")
    }

    func cases() -> [Case] {
        [
            // Totals a tiny file drives.
            Case(name: "Concat channel sum", arguments: { d in
                ["validate", try self.file(d, "concat.yaml", Self.yamlRows(["[-1, 1, Conv, [16, 3, 2]]"] + Array(repeating: "[[-1, -1], 1, Concat, [1]]", count: 70)))]
            }, status: 1, fragments: ["concat.yaml:", "channels add up to more than 65536"]),
            Case(name: "blocks by repeats", arguments: { d in
                ["validate", try self.file(d, "c3k2.yaml", Self.yamlRows(["[-1, 1, Conv, [16, 3, 2]]"] + Array(repeating: "[-1, 1000, C3k2, [64, True]]", count: 190))), "--imgsz", "64"]
            }, status: 1, fragments: ["c3k2.yaml:13:", "more than 10000 blocks"], seconds: 20),
            Case(name: "parameter total", arguments: { d in
                // Each tensor under the backend's limit, together over the parameter limit.
                let rows = ["[-1, 1, Conv, [8192, 1, 1]]"] + (0..<5).flatMap { _ in ["[-1, 1, Conv, [65536, 1, 1]]", "[-1, 1, Conv, [8192, 1, 1]]"] }
                return ["validate", try self.file(d, "many.yaml", Self.yamlRows(rows)), "--imgsz", "32"]
            }, status: 1, fragments: ["many.yaml:11:", "layer 8 (Conv): the model reaches more than 4294967296 parameters"]),
            Case(name: "dynamic convolution parameters", arguments: { d in
                ["validate", try self.file(d, "dyn.yaml", Self.yamlRows(["[-1, 1, Conv, [8192, 1, 1]]"] + Array(repeating: "[-1, 1, Dynamic_conv2d, [65536, 31, 1, 15, 1, 1, True, 256]]", count: 3))), "--imgsz", "64"]
            }, status: 1, fragments: ["dyn.yaml:4:", "more than 1073741824 elements"]),
            Case(name: "one weight over the tensor limit", arguments: { d in
                ["validate", try self.file(d, "bigw.yaml", Self.yamlRows(["[-1, 1, Conv, [8192, 1, 1]]", "[-1, 1, Conv, [65536, 3, 1]]"])), "--imgsz", "64"]
            }, status: 1, fragments: ["bigw.yaml:4:", "tensor 'conv.weight' of shape [65536, 8192, 3, 3] has more than 1073741824 elements"]),
            Case(name: "a head of 80,000 inputs", arguments: { d in
                let from = "[" + Array(repeating: "-1", count: 80_000).joined(separator: ",") + "]"
                return ["validate", try self.file(d, "wide.yaml", Self.yamlRows(["[-1, 1, Conv, [16, 3, 2]]"], head: "  - [\(from), 1, Detect, [nc]]")), "--imgsz", "64"]
            }, status: 1, fragments: ["wide.yaml:5:6:", "'from' lists 80000 layers; one layer reads at most 64"], seconds: 5),
            Case(name: "layer count", arguments: { d in
                ["validate", try self.file(d, "long.yaml", Self.yamlRows(Array(repeating: "[-1, 1, nn.Upsample, [None, 1, nearest]]", count: 10_001))), "--imgsz", "64"]
            }, status: 1, fragments: ["10002 layers; more than 10000 are refused"]),
            // Memory before limits.
            Case(name: "flow-style node count", arguments: { d in
                ["validate", try self.file(d, "flow.yaml", "{a: [" + String(repeating: "1,", count: 300_000) + "1]}\n")]
            }, status: 1, fragments: ["more than 250000 YAML nodes"], seconds: 5),
            Case(name: "2 MiB config", arguments: { d in
                ["validate", try self.file(d, "big.yaml", "# " + String(repeating: "x", count: 2 << 20) + "\n")]
            }, status: 1, fragments: ["configurations larger than 1048576 bytes"], seconds: 5),
            Case(name: "9 MiB safetensors header", arguments: { d in
                var bytes = Self.safetensors([])
                let length = UInt64(9 << 20)
                for k in 0..<8 { bytes[k] = UInt8((length >> (8 * UInt64(k))) & 0xff) }
                bytes += [UInt8](repeating: 0x20, count: 9 << 20)
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--weights", try self.file(d, "header.safetensors", bytes: bytes)]
            }, status: 1, fragments: ["over the 8388608-byte limit"], seconds: 10),
            Case(name: "header of a million tiny values", arguments: { d in
                let json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + String(repeating: "1,", count: 1_200_000) + "1],\"data_offsets\":[0,4]}}"
                var bytes = Self.safetensors([])
                let length = UInt64(json.utf8.count)
                for k in 0..<8 { bytes[k] = UInt8((length >> (8 * UInt64(k))) & 0xff) }
                bytes = Array(bytes.prefix(8)) + Array(json.utf8) + [0, 0, 0, 0]
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--weights", try self.file(d, "values.safetensors", bytes: bytes)]
            }, status: 1, fragments: ["more values than this reader accepts"], seconds: 20),
            // Hangs.
            Case(name: "FIFO config", arguments: { d in ["validate", try self.fifo(d, "cfg.yaml")] },
                 status: 1, fragments: ["is a FIFO"], seconds: 10),
            Case(name: "FIFO weights", arguments: { d in ["run", "yolov8n.yaml", "--imgsz", "64", "--weights", try self.fifo(d, "w.safetensors")] },
                 status: 1, fragments: ["w.safetensors: is a FIFO"], seconds: 10),
            Case(name: "FIFO input", arguments: { d in ["run", "yolov8n.yaml", "--input", try self.fifo(d, "x.npy")] },
                 status: 1, fragments: ["x.npy: is a FIFO"], seconds: 10),
            Case(name: "FIFO plugin", arguments: { d in ["layers", "--plugin", try self.fifo(d, "p.so")] },
                 status: 1, fragments: ["p.so: error: is a FIFO"], seconds: 10),
            Case(name: "device as weights", arguments: { _ in ["run", "yolov8n.yaml", "--imgsz", "64", "--weights", "/dev/zero"] },
                 status: 1, fragments: ["/dev/zero: is a character device"], seconds: 10),
            Case(name: "directory as input", arguments: { d in ["run", "yolov8n.yaml", "--input", d.path] },
                 status: 1, fragments: ["is a directory"], seconds: 10),
            Case(name: "128 threads", arguments: { _ in ["run", "yolov8n.yaml", "--imgsz", "64", "--threads", "128"] },
                 status: 0, fragments: (ProcessInfo.processInfo.activeProcessorCount < 128 ? ["note: --threads 128 is more than the"] : [])
                    + ["output [1, 84, 84]"], seconds: 60),
            Case(name: "300 threads", arguments: { _ in ["run", "yolov8n.yaml", "--threads", "300"] },
                 status: 64, fragments: ["--threads must be from 1 to 256"], seconds: 10),
            // Memory budget.
            Case(name: "over the memory budget", arguments: { _ in ["run", "yolov8n.yaml", "--imgsz", "16384", "--max-memory", "8G"] },
                 status: 1, fragments: ["needs about", "over the budget of 8192 MB"], seconds: 30),
            Case(name: "small memory budget", arguments: { _ in ["bench", "yolov8n.yaml", "--max-memory", "100M"] },
                 status: 1, fragments: ["over the budget of 100 MB"], seconds: 30),
            Case(name: "malformed memory budget", arguments: { _ in ["run", "yolov8n.yaml", "--max-memory", "lots"] },
                 status: 64, fragments: ["max-memory"], seconds: 10),
            Case(name: "validate reports memory", arguments: { _ in ["validate", "yolov8n.yaml", "--imgsz", "320"] },
                 status: 0, fragments: ["memory: ~", "MB for a forward pass at [1, 3, 320, 320]"], seconds: 30),
            // Non-finite values.
            Case(name: "NaN pixel", arguments: { d in ["run", "yolov8n.yaml", "--input", try self.file(d, "nan.npy", bytes: Self.npy([1, 3, 64, 64], nanAt: 4100))] },
                 status: 1, fragments: ["nan.npy: error: the input holds nan at [0, 1, 0, 4]", "--allow-nonfinite"]),
            Case(name: "NaN pixel allowed", arguments: { d in ["run", "yolov8n.yaml", "--allow-nonfinite", "--input", try self.file(d, "nan.npy", bytes: Self.npy([1, 3, 64, 64], nanAt: 4100))] },
                 status: 0, fragments: ["non-finite values"], seconds: 60),
            Case(name: "negative BN variance", arguments: { d in
                ["run", try self.file(d, "tiny.yaml", Self.tinyConv), "--imgsz", "32", "--weights", try self.file(d, "neg.safetensors", bytes: Self.tinyWeights(variance: -1))]
            }, status: 1, fragments: ["model.0.bn.running_var is -1.0 at channel 2"]),
            Case(name: "finite statistics, infinite folded scale", arguments: { d in
                ["run", try self.file(d, "tiny.yaml", Self.tinyConv), "--imgsz", "32", "--weights", try self.file(d, "huge.safetensors", bytes: Self.tinyWeights(variance: 0, weight: 3e38))]
            }, status: 1, fragments: ["model.0.bn: weight 3e+38 / sqrt(running_var 0.0 + eps 0.001) at channel 2 is not finite"]),
            Case(name: "NaN weight", arguments: { d in
                ["run", try self.file(d, "tiny.yaml", Self.tinyConv), "--imgsz", "32", "--weights", try self.file(d, "nanw.safetensors", bytes: Self.tinyWeights(variance: .nan))]
            }, status: 1, fragments: ["model.0.bn.running_var holds nan at [2]"]),
            // Limits that leak.
            Case(name: "tall input", arguments: { d in ["run", "yolov8n.yaml", "--input", try self.file(d, "tall.npy", bytes: Self.npy([1, 3, 32768, 32]))] },
                 status: 1, fragments: ["the input's height and width must be from 1 to 16384 pixels per side, got 32768,32"]),
            Case(name: "2048-image batch", arguments: { d in ["run", "yolov8n.yaml", "--input", try self.file(d, "batch.npy", bytes: Self.npy([2048, 3, 32, 32]))] },
                 status: 1, fragments: ["the input's batch (N) must be from 1 to 1024, got 2048"]),
            // Output files.
            Case(name: "output through a symlink", arguments: { d in
                let victim = try self.file(d, "victim.txt", "keep me\n")
                try FileManager.default.createSymbolicLink(atPath: d.appendingPathComponent("link.npy").path, withDestinationPath: victim)
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--output", d.appendingPathComponent("link.npy").path]
            }, status: 1, fragments: ["link.npy: is a symbolic link; refusing"], check: { d in
                XCTAssertEqual(try String(contentsOf: d.appendingPathComponent("victim.txt"), encoding: .utf8), "keep me\n")
                self.noTemporaries(d)
            }),
            Case(name: "read-only output", arguments: { d in
                let path = try self.file(d, "ro.npy", "mine\n")
                chmod(path, 0o444)
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--output", path]
            }, status: 1, fragments: ["ro.npy: is read-only; refusing to replace it"], check: { d in
                XCTAssertEqual(try String(contentsOf: d.appendingPathComponent("ro.npy"), encoding: .utf8), "mine\n")
                self.noTemporaries(d)
            }),
            Case(name: "mode kept", arguments: { d in
                let path = try self.file(d, "private.npy", "old\n")
                chmod(path, 0o600)
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--output", path]
            }, status: 0, fragments: ["wrote"], check: { d in
                let attributes = try FileManager.default.attributesOfItem(atPath: d.appendingPathComponent("private.npy").path)
                XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
                XCTAssertGreaterThan((attributes[.size] as? NSNumber)?.intValue ?? 0, 1000)
                self.noTemporaries(d)
            }),
            Case(name: "output is the input (hard link)", arguments: { d in
                let input = try self.file(d, "in.npy", bytes: Self.npy([1, 3, 64, 64]))
                let link = d.appendingPathComponent("other-name.npy").path
                guard Glibc.link(input, link) == 0 else { throw XCTSkip("link failed") }
                return ["run", "yolov8n.yaml", "--input", input, "--output", link]
            }, status: 1, fragments: ["other-name.npy: is one of this command's input files"], check: { d in
                XCTAssertEqual(try Data(contentsOf: d.appendingPathComponent("in.npy")), Data(Self.npy([1, 3, 64, 64])))
                self.noTemporaries(d)
            }),
            Case(name: "reparam output is its config", arguments: { d in
                let config = try self.file(d, "dbb.safetensors", try String(contentsOf: repositoryRoot.appendingPathComponent("Configs/yolov8-dbb.yaml"), encoding: .utf8))
                return ["reparam", config, "--scale", "n", "--imgsz", "64", "--output", d.appendingPathComponent("./dbb.safetensors").path]
            }, status: 1, fragments: ["is one of this command's input files"], check: { d in
                XCTAssertTrue(try String(contentsOf: d.appendingPathComponent("dbb.safetensors"), encoding: .utf8).contains("backbone"))
                self.noTemporaries(d)
            }),
            Case(name: "254-byte output name", arguments: { d in
                ["run", "yolov8n.yaml", "--imgsz", "64", "--output", d.appendingPathComponent(String(repeating: "n", count: 250) + ".npy").path]
            }, status: 0, fragments: ["wrote"], seconds: 60, check: { d in
                XCTAssertTrue(FileManager.default.fileExists(atPath: d.appendingPathComponent(String(repeating: "n", count: 250) + ".npy").path))
                self.noTemporaries(d)
            }),
            Case(name: "output folder missing", arguments: { d in
                ["run", "yolov8n.yaml", "--imgsz", "64", "--output", d.appendingPathComponent("nowhere/out.npy").path]
            }, status: 1, fragments: ["out.npy: cannot create a temporary file in its folder"]),
            // Plugins.
            Case(name: "plugin is text", arguments: { d in ["layers", "--plugin", try self.file(d, "text.so", "hello\n")] },
                 status: 1, fragments: ["text.so: error: not a shared library: not an ELF file (it is text)"]),
            Case(name: "plugin is an executable", arguments: { _ in ["layers", "--plugin", "/bin/sh"] },
                 status: 1, fragments: ["/bin/sh: error:"]),
            Case(name: "plugin missing", arguments: { d in ["layers", "--plugin", d.appendingPathComponent("none.so").path] },
                 status: 1, fragments: ["none.so: error: no such plugin library"]),
        ]
    }

    func testHostileInputsFailCleanly() throws {
        let all = cases()
        for c in all {
            let dir = scratch.appendingPathComponent(c.name.replacingOccurrences(of: " ", with: "_"))
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let arguments: [String]
            do { arguments = try c.arguments(dir) } catch is XCTSkip { continue }
            let start = Date()
            let r = try runLayerZoo(arguments)
            let seconds = Date().timeIntervalSince(start)
            XCTAssertEqual(r.status, c.status, "\(c.name): \(r.stderr.prefix(600))")
            let output = r.stdout + r.stderr
            for fragment in c.fragments {
                XCTAssertTrue(output.contains(fragment), "\(c.name): '\(fragment)' not in:\n\(output.prefix(800))")
            }
            XCTAssertLessThan(seconds, c.seconds, "\(c.name) took \(seconds) s")
            XCTAssertFalse(output.contains("Fatal error"), c.name)
            try c.check?(dir)
        }
        print("hostile cases (issue 26): \(all.count) in the table, \(Self.separateCases) separate")
    }

    static let separateCases = 9

    /// Names that are not UTF-8 reach the file system as the bytes given.
    func testNonUTF8PathsAreBytes() throws {
        let config = Array("bad".utf8) + [0xff] + Array(".yaml".utf8)
        let text = try Data(contentsOf: repositoryRoot.appendingPathComponent("Configs/yolov8.yaml"))
        XCTAssertTrue(writeRawNamedFile(config, in: scratch, contents: text))
        var r = try runLayerZooRaw([Array("validate".utf8), config, Array("--scale=n".utf8), Array("--imgsz".utf8), Array("64".utf8)], in: scratch)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bad\\xff.yaml (scale n): valid"), r.stdout)

        let output = Array("out".utf8) + [0xfe] + Array(".npy".utf8)
        r = try runLayerZooRaw([Array("run".utf8), config, Array("--scale".utf8), Array("n".utf8), Array("--imgsz".utf8), Array("64".utf8),
                                Array("--output".utf8), output], in: scratch)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("wrote out\\xfe.npy"), r.stdout)
        XCTAssertTrue(rawDirectoryListing(scratch).contains(output), "out\\xfe.npy not written under its own name")
    }

    /// Terminal escape sequences in a module name are escaped in the message.
    func testControlCharactersInNamesAreEscaped() throws {
        let path = try file(scratch, "esc.yaml", Self.yamlRows(["[-1, 1, \"Conv\\e[31mRED\", [16]]", "[-1, 1, Conv, [16]]"]))
        let r = try runLayerZoo(["validate", path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("unknown module 'Conv\\x1b[31mRED'"), r.stderr)
        XCTAssertFalse(r.stderr.contains("\u{1b}"), "raw escape character in: \(r.stderr)")
    }

    /// A write that exceeds the file-size limit fails with a message (SIGXFSZ ignored) and
    /// leaves no temporary file.
    func testFileSizeLimitIsAnErrorNotASignal() throws {
        let out = Array(scratch.appendingPathComponent("big.npy").path.utf8)
        let r = try runLayerZooRaw([Array("run".utf8), Array("yolov8n.yaml".utf8), Array("--imgsz".utf8), Array("64".utf8),
                                    Array("--output".utf8), out], in: repositoryRoot, shellPrefix: "ulimit -f 8;")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("EFBIG"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("big.npy").path))
        noTemporaries(scratch)
    }

    /// Plugins: a bare name loads the file in the current folder (never a system library of
    /// that name), a data symbol as entry point and a library for another machine are
    /// reported as what they are.
    func testPluginFilesAreCheckedBeforeLoading() throws {
        guard let cc = ["/usr/bin/cc", "/usr/bin/clang", "/opt/swift/usr/bin/clang"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("no C compiler")
        }
        func compile(_ source: String, _ name: String) throws {
            let c = scratch.appendingPathComponent(name + ".c")
            try source.write(to: c, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: cc)
            p.arguments = ["-shared", "-fPIC", "-o", scratch.appendingPathComponent(name).path, c.path]
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
        }
        try compile("int something(void) { return 1; }\n", "noentry.so")
        try compile("int layerzoo_plugin_register = 5;\n", "dataentry.so")
        try compile("int something(void) { return 1; }\n", "libz.so.1")
        var elf = try Data(contentsOf: scratch.appendingPathComponent("noentry.so"))
        elf[18] = 183
        elf[19] = 0
        try elf.write(to: scratch.appendingPathComponent("arm.so"))

        for (plugin, fragment) in [("noentry.so", "./noentry.so: error: not a LayerZoo plugin: it exports no 'layerzoo_plugin_register'"),
                                   ("libz.so.1", "./libz.so.1: error: not a LayerZoo plugin"),
                                   ("dataentry.so", "'layerzoo_plugin_register' is a data object, not a function"),
                                   ("arm.so", "an ELF library for AArch64; this program runs on x86-64")] {
            let r = try runLayerZooRaw([Array("layers".utf8), Array("--plugin".utf8), Array(plugin.utf8)], in: scratch)
            XCTAssertEqual(r.status, 1, plugin)
            XCTAssertTrue(r.stderr.contains(fragment), "\(plugin): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error") || r.status > 128, plugin)
        }
    }

    /// SIGTERM and SIGINT at several moments of a run that writes a large output (loading,
    /// running, writing): whatever phase they hit, no temporary file is left behind.
    func testInterruptedRunsLeaveNoTemporary() throws {
        for (k, delay) in [200_000, 600_000, 1_000_000, 1_400_000, 1_800_000].enumerated() {
            let out = scratch.appendingPathComponent("out\(k).npy").path
            let p = Process()
            p.executableURL = try layerZooBinary()
            p.arguments = ["run", "yolov8n.yaml", "--imgsz", "64", "--batch", "128", "--output", out]
            p.currentDirectoryURL = repositoryRoot
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(delay))
            if k % 2 == 0 { p.terminate() } else { p.interrupt() }
            p.waitUntilExit()
            noTemporaries(scratch)
        }
    }
}
