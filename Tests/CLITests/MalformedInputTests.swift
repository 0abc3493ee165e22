import Foundation
import XCTest

/// Hostile and broken inputs through the real tool: each must end with exit status 1 (bad
/// file) or 64 (bad command line) and a message saying what and where — never a trap, a
/// hang or a huge allocation.
final class MalformedInputTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-malformed-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    struct Case {
        var name: String
        var arguments: (URL) throws -> [String]
        var status: Int32
        var fragments: [String]
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static let base = """
        nc: 2
        backbone:
          - [-1, 1, Conv, [16, 3, 2]]
          - [-1, 1, Conv, [32, 3, 2]]
        head:
          - [[-1], 1, Detect, [nc]]
        """

    func yaml(_ name: String, _ text: String, _ status: Int32 = 1, _ fragments: [String]) -> Case {
        Case(name: name, arguments: { dir in
            let url = dir.appendingPathComponent(name.replacingOccurrences(of: " ", with: "_") + ".yaml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            return ["validate", url.path]
        }, status: status, fragments: fragments)
    }

    func replacing(_ old: String, _ new: String) -> String {
        Self.base.replacingOccurrences(of: old, with: new)
    }

    /// A safetensors file: 8-byte little-endian header length, JSON header, data.
    static func safetensors(header: String, declaredLength: UInt64? = nil, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        var length = declaredLength ?? UInt64(json.count)
        var bytes: [UInt8] = []
        for _ in 0..<8 { bytes.append(UInt8(length & 0xff)); length >>= 8 }
        return bytes + json + data
    }

    /// A version-1 .npy file with the given header dictionary and payload.
    static func npy(_ dict: String, payload: Int) -> [UInt8] {
        var header = Array(dict.utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0a)
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xff), UInt8(header.count >> 8)]
        return magic + header + [UInt8](repeating: 0, count: payload)
    }

    func cases() -> [Case] {
        var laughs = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        for i in 1...12 { laughs += "b\(i): &b\(i) [" + Array(repeating: i == 1 ? "*a" : "*b\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let deep = "backbone: " + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "\n"
        var long = "nc: 2\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n"
        for _ in 0..<5_000 { long += "  - [-1, 1, Conv, [16, 3, 1, 1]]\n" }
        long += "head:\n  - [[-1], 1, Detect, [nc]]\n"
        let weights = { (name: String, bytes: [UInt8]) -> Case in
            Case(name: name, arguments: { dir in
                let url = dir.appendingPathComponent(name.replacingOccurrences(of: " ", with: "_") + ".safetensors")
                try Data(bytes).write(to: url)
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--weights", url.path]
            }, status: 1, fragments: [name.replacingOccurrences(of: " ", with: "_") + ".safetensors"])
        }
        let input = { (name: String, bytes: [UInt8], fragment: String) -> Case in
            Case(name: name, arguments: { dir in
                let url = dir.appendingPathComponent(name.replacingOccurrences(of: " ", with: "_") + ".npy")
                try Data(bytes).write(to: url)
                return ["run", "yolov8n.yaml", "--input", url.path]
            }, status: 1, fragments: [fragment])
        }
        return [
            yaml("empty file", "", 1, ["the file is empty"]),
            yaml("only comments", "# nothing\n# here\n", 1, ["the file is empty"]),
            yaml("top level list", "- 1\n- 2\n", 1, ["expected a mapping"]),
            yaml("top level scalar", "hello\n", 1, ["expected a mapping"]),
            yaml("unclosed bracket", "backbone:\n  - [-1, 1, Conv, [16, 3, 2]\nhead: []\n", 1, ["YAML syntax error"]),
            yaml("tab indentation", "backbone:\n\t- [-1, 1, Conv, [16]]\n", 1, ["YAML syntax error"]),
            yaml("backbone not a list", "backbone: 5\nhead: []\n", 1, ["'backbone' must be a list"]),
            yaml("missing head", "backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n", 1, ["missing 'head'"]),
            yaml("row not a list", replacing("  - [-1, 1, Conv, [32, 3, 2]]", "  - Conv"), 1, ["expected [from, repeats, module, args]"]),
            yaml("row with five entries", replacing("[-1, 1, Conv, [32, 3, 2]]", "[-1, 1, Conv, [32, 3, 2], 7]"), 1, ["expected 4 entries"]),
            yaml("from is a string", replacing("[-1, 1, Conv, [32, 3, 2]]", "[prev, 1, Conv, [32, 3, 2]]"), 1, ["'from' must be a layer index"]),
            yaml("from empty list", replacing("[[-1], 1, Detect", "[[], 1, Detect"), 1, ["'from' is an empty list"]),
            yaml("from points forward", replacing("[-1, 1, Conv, [32, 3, 2]]", "[5, 1, Conv, [32, 3, 2]]"), 1, ["not before layer 1"]),
            yaml("from before the start", replacing("[-1, 1, Conv, [32, 3, 2]]", "[-9, 1, Conv, [32, 3, 2]]"), 1, ["points before the first layer"]),
            yaml("first layer from 0", replacing("[-1, 1, Conv, [16, 3, 2]]", "[0, 1, Conv, [16, 3, 2]]"), 1, ["must have from -1"]),
            yaml("zero repeats", replacing("[-1, 1, Conv, [32, 3, 2]]", "[-1, 0, Conv, [32, 3, 2]]"), 1, ["'repeats' must be an integer from 1 to 1000"]),
            yaml("huge repeats", replacing("[-1, 1, Conv, [32, 3, 2]]", "[-1, 1000000000000, Conv, [32, 3, 2]]"), 1, ["'repeats' must be an integer from 1 to 1000"]),
            yaml("negative repeats", replacing("[-1, 1, Conv, [32, 3, 2]]", "[-1, -3, Conv, [32, 3, 2]]"), 1, ["'repeats' must be an integer"]),
            yaml("module is a number", replacing("Conv, [32, 3, 2]", "42, [32, 3, 2]"), 1, ["'module' must be a layer name"]),
            yaml("unknown module", replacing("Conv, [32, 3, 2]", "Convv, [32, 3, 2]"), 1, ["unknown module 'Convv'", "did you mean 'Conv'?"]),
            yaml("args not a list", replacing("Conv, [32, 3, 2]", "Conv, 32"), 1, ["'args' must be a list"]),
            yaml("args with a mapping", replacing("Conv, [32, 3, 2]", "Conv, [{c: 32}, 3, 2]"), 1, ["arguments cannot be mappings"]),
            yaml("billions of channels", replacing("[32, 3, 2]", "[1000000000, 3, 2]"), 1, ["outside 8 to 65536"]),
            yaml("zero channels", replacing("[32, 3, 2]", "[0, 3, 2]"), 1, ["output channels must be a positive integer"]),
            yaml("negative channels", replacing("[32, 3, 2]", "[-32, 3, 2]"), 1, ["output channels must be a positive integer"]),
            yaml("zero kernel", replacing("[32, 3, 2]", "[32, 0, 2]"), 1, ["argument 'k'", "0 is out of range"]),
            yaml("zero stride", replacing("[32, 3, 2]", "[32, 3, 0]"), 1, ["argument 's'", "0 is out of range"]),
            yaml("huge kernel", replacing("[32, 3, 2]", "[32, 1000, 2]"), 1, ["argument 'k'", "1000 is out of range"]),
            yaml("huge integer", replacing("[32, 3, 2]", "[99999999999999999999999999, 3, 2]"), 1, ["output channels must be a positive integer"]),
            yaml("negative nc", replacing("nc: 2", "nc: -2"), 1, ["'nc' must be a positive integer"]),
            yaml("nc is text", replacing("nc: 2", "nc: many"), 1, ["'nc' must be a positive integer"]),
            yaml("malformed scales", "scales:\n  n: [0.5]\n" + Self.base, 1, ["scale 'n' must be [depth, width, max_channels]"]),
            yaml("negative depth", "depth_multiple: -1\n" + Self.base, 1, ["'depth_multiple' must be a positive number"]),
            yaml("activation as code", "activation: __import__('os').system('echo pwned')\n" + Self.base, 1, ["unknown activation"]),
            yaml("billion laughs", laughs + Self.base, 1, ["expands to more than"]),
            yaml("deep nesting", deep, 1, ["nesting deeper than"]),
            yaml("duplicate keys", "nc: 2\n" + Self.base, 1, ["duplicate key"]),
            yaml("Concat dimension out of range", replacing("  - [[-1], 1, Detect, [nc]]", "  - [[-1, 0], 1, Concat, [7]]"), 1, ["argument 'dimension'"]),
            yaml("upsample by zero", replacing("  - [[-1], 1, Detect, [nc]]", "  - [-1, 1, nn.Upsample, [None, 0, nearest]]"), 1, ["scale_factor must be from 1 to 64"]),
            Case(name: "not UTF-8", arguments: { dir in
                let url = dir.appendingPathComponent("binary.yaml")
                try Data([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]).write(to: url)
                return ["validate", url.path]
            }, status: 1, fragments: ["binary.yaml"]),
            Case(name: "oversized file", arguments: { dir in
                let url = dir.appendingPathComponent("huge.yaml")
                try Data(repeating: 0x23, count: 9 << 20).write(to: url)
                return ["validate", url.path]
            }, status: 1, fragments: ["configurations larger than"]),
            Case(name: "a directory", arguments: { dir in ["info", dir.path] }, status: 1, fragments: ["is a directory"]),  // validate expands directories
            Case(name: "5000 layers", arguments: { dir in
                let url = dir.appendingPathComponent("long.yaml")
                try long.write(to: url, atomically: true, encoding: .utf8)
                return ["validate", url.path, "--imgsz", "64"]
            }, status: 0, fragments: ["valid (5002 layers"]),
            Case(name: "absurd imgsz", arguments: { _ in ["info", "yolov8n.yaml", "--imgsz", "1000000"] }, status: 64, fragments: ["--imgsz must be from 1 to 16384"]),
            Case(name: "negative imgsz", arguments: { _ in ["info", "yolov8n.yaml", "--imgsz", "-5"] }, status: 64, fragments: ["imgsz"]),
            Case(name: "zero batch", arguments: { _ in ["run", "yolov8n.yaml", "--batch", "0"] }, status: 64, fragments: ["--batch must be from 1 to 1024"]),
            Case(name: "imgsz too big to trace", arguments: { _ in ["validate", "yolov8n.yaml", "--imgsz", "16384", "--batch", "1024"] },
                 status: 1, fragments: ["exceeds the limit of"]),
            weights("truncated weights", Self.safetensors(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [0, 0, 0])),
            weights("header length lies", Self.safetensors(header: "{}", declaredLength: 1 << 40)),
            weights("not safetensors", Array("this is plain text, not a tensor file".utf8)),
            weights("offsets out of range", Self.safetensors(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,1600]}}"#, data: [UInt8](repeating: 0, count: 16))),
            weights("unknown dtype", Self.safetensors(header: #"{"a":{"dtype":"Q7","shape":[4],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 16))),
            weights("overflowing shape", Self.safetensors(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 16))),
            Case(name: "integer weights", arguments: { dir in
                let url = dir.appendingPathComponent("integer_weights.safetensors")
                try Data(Self.safetensors(header: #"{"model.0.conv.weight":{"dtype":"I32","shape":[16,3,3,3],"data_offsets":[0,1728]}}"#,
                                          data: [UInt8](repeating: 0, count: 1728))).write(to: url)
                return ["run", "yolov8n.yaml", "--imgsz", "64", "--weights", url.path]
            }, status: 1, fragments: ["model.0.conv.weight: expected dtype F32, F16 or BF16, found I32"]),
            input("float64 input", Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3, 64, 64), }", payload: 8 * 3 * 64 * 64), "<f8"),
            input("truncated input", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 64, 64), }", payload: 100), "truncated_input.npy"),
            input("three-dimensional input", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 64, 64), }", payload: 4 * 3 * 64 * 64), "expected a 4-D"),
            input("fortran-order input", Self.npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 64, 64), }", payload: 4 * 3 * 64 * 64), "fortran"),
            input("huge declared input", Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 3, 100000, 100000), }", payload: 16), "huge_declared_input.npy"),
        ]
    }

    func testEveryMalformedInputFailsCleanly() throws {
        let all = cases()
        XCTAssertGreaterThanOrEqual(all.count, 40)
        for c in all {
            let arguments = try c.arguments(scratch)
            let r = try runLayerZoo(arguments)
            XCTAssertEqual(r.status, c.status, "\(c.name): \(r.stderr.prefix(500))")
            let output = r.stdout + r.stderr
            for fragment in c.fragments {
                XCTAssertTrue(output.localizedCaseInsensitiveContains(fragment), "\(c.name): '\(fragment)' not in:\n\(output.prefix(800))")
            }
        }
    }
}
