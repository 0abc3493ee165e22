import Foundation
import XCTest
@testable import ZooCPU

/// safetensors and .npy readers on well-formed and deliberately broken files.
final class SafeTensorsReaderTests: XCTestCase {
    /// Builds a safetensors file from a raw header string and a data section.
    private func make(_ name: String, header: String, data: [UInt8], lengthField: UInt64? = nil) -> String {
        let h = Array(header.utf8)
        var bytes: [UInt8] = []
        let len = lengthField ?? UInt64(h.count)
        for i in 0..<8 { bytes.append(UInt8((len >> (8 * UInt64(i))) & 0xFF)) }
        bytes += h + data
        let path = temporaryPath(name)
        writeTestFile(path, Data(bytes))
        return path
    }

    func testRoundTripWithMetadata() throws {
        let a = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = try Tensor(shape: [4], data: [-1, 0.5, .infinity, 7])
        let path = temporaryPath("roundtrip.safetensors")
        try writeSafeTensors([("model.0.conv.weight", a), ("b\"quoted\\", b)], metadata: ["format": "pt"], to: path)
        let f = try SafeTensorsFile(path: path)
        XCTAssertEqual(f.names, ["model.0.conv.weight", "b\"quoted\\"])
        XCTAssertEqual(f.metadata, ["format": "pt"])
        XCTAssertEqual(try f.tensor("model.0.conv.weight").toArray(), a.toArray())
        XCTAssertEqual(try f.tensor("model.0.conv.weight").shape, [2, 3])
        XCTAssertEqual(try f.tensor("b\"quoted\\").toArray(), b.toArray())
        assertThrows(["roundtrip.safetensors", "model.0.conv.weight", "expected shape [3, 2], found [2, 3]"]) {
            try f.tensor("model.0.conv.weight", expectedShape: [3, 2])
        }
        assertThrows(["'missing'", "not found"]) { try f.tensor("missing") }
    }

    func testTruncatedFile() {
        let path = make("short.safetensors", header: "", data: [])
        try? FileManager.default.removeItem(atPath: path)
        writeTestFile(path, Data([1, 2, 3]))
        assertThrows(["short.safetensors", "3 bytes", "too short"]) { try SafeTensorsFile(path: path) }

        let h = #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        let p2 = make("truncdata.safetensors", header: h, data: [UInt8](repeating: 0, count: 10))
        assertThrows(["truncdata.safetensors", "tensor 'w'", "[0, 16]", "data section of 10 bytes"]) { try SafeTensorsFile(path: p2) }
    }

    func testHeaderLengthLies() {
        let h = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let p = make("lie.safetensors", header: h, data: [0, 0, 0, 0], lengthField: 5000)
        assertThrows(["lie.safetensors", "5000", "follow"]) { try SafeTensorsFile(path: p) }
        let huge = make("huge.safetensors", header: h, data: [0, 0, 0, 0], lengthField: UInt64.max)
        assertThrows(["huge.safetensors", "\(UInt64.max)", "limit"]) { try SafeTensorsFile(path: huge) }
        let short = make("shortlen.safetensors", header: h, data: [0, 0, 0, 0], lengthField: 20)
        assertThrows(["shortlen.safetensors", "not valid JSON"]) { try SafeTensorsFile(path: short) }
    }

    func testOffsetsOutOfRangeAndOverlapping() {
        let out = make("range.safetensors", header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertThrows(["tensor 'a'", "[4, 12]", "8 bytes"]) { try SafeTensorsFile(path: out) }
        let backwards = make("back.safetensors", header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertThrows(["tensor 'a'", "begin after end"]) { try SafeTensorsFile(path: backwards) }
        let wrongLen = make("len.safetensors", header: #"{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertThrows(["tensor 'a'", "span 8 bytes", "expected 6", "F16 shape [3]"]) { try SafeTensorsFile(path: wrongLen) }
        let overlap = make("overlap.safetensors", header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                           data: [UInt8](repeating: 0, count: 12))
        assertThrows(["overlap.safetensors", "tensor 'b'", "overlap", "'a'"]) { try SafeTensorsFile(path: overlap) }
    }

    func testUnknownDtypeAndBadFields() {
        let dt = make("dtype.safetensors", header: #"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))
        assertThrows(["tensor 'a'", "unsupported dtype 'F64'", "F32, F16, BF16"]) { try SafeTensorsFile(path: dt) }
        let neg = make("neg.safetensors", header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertThrows(["tensor 'a'", "shape contains the number -1"]) { try SafeTensorsFile(path: neg) }
        let missing = make("missing.safetensors", header: #"{"a":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0])
        assertThrows(["tensor 'a'", "missing \"data_offsets\""]) { try SafeTensorsFile(path: missing) }
        let dup = make("dup.safetensors", header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertThrows(["dup.safetensors", "duplicate key \"a\""]) { try SafeTensorsFile(path: dup) }
        let meta = make("meta.safetensors", header: #"{"__metadata__":{"n":3}}"#, data: [])
        assertThrows(["__metadata__ value for 'n'", "expected a string"]) { try SafeTensorsFile(path: meta) }
        let notJSON = make("notjson.safetensors", header: "{\"a\": [1, 2,]}", data: [])
        assertThrows(["not valid JSON at byte"]) { try SafeTensorsFile(path: notJSON) }
        let deep = make("deep.safetensors", header: "{\"a\":" + String(repeating: "[", count: 10_000) + "}", data: [])
        assertThrows(["nested deeper"]) { try SafeTensorsFile(path: deep) }
    }

    func testOverflowingShape() {
        let big = make("overflow.safetensors", header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertThrows(["tensor 'a'", "[4294967296, 4294967296, 16]", "overflows"]) { try SafeTensorsFile(path: big) }
        let huge = make("hugedim.safetensors", header: #"{"a":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertThrows(["tensor 'a'", "shape contains the number 99999999999999999999999"]) { try SafeTensorsFile(path: huge) }
    }

    func testSizeLimitRefusesBeforeAllocating() throws {
        let saved = ZooCPUSettings.maxTensorBytes
        defer { ZooCPUSettings.maxTensorBytes = saved }
        let path = temporaryPath("limit.safetensors")
        try writeSafeTensors([("w", try Tensor(shape: [64]))], to: path)
        ZooCPUSettings.maxTensorBytes = 100
        let f = try SafeTensorsFile(path: path)
        assertThrows(["tensor 'w'", "64 elements", "100-byte"]) { try f.tensor("w") }
        assertThrows(["Tensor", "over the limit of 100 bytes"]) { try Tensor(shape: [26]) }
    }

    func testNotAFile() {
        assertThrows(["/nonexistent/x.safetensors", "cannot open"]) { try SafeTensorsFile(path: "/nonexistent/x.safetensors") }
        assertThrows(["not a regular file"]) { try SafeTensorsFile(path: NSTemporaryDirectory()) }
    }
}

final class NPYTests: XCTestCase {
    private func npy(_ name: String, header: String, version: UInt8 = 1, data: [UInt8]) -> String {
        var h = Array(header.utf8)
        let fixed = version == 1 ? 10 : 12
        while (fixed + h.count + 1) % 64 != 0 { h.append(0x20) }
        h.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        if version == 1 {
            bytes += [UInt8(h.count & 0xFF), UInt8(h.count >> 8)]
        } else {
            bytes += (0..<4).map { UInt8((h.count >> (8 * $0)) & 0xFF) }
        }
        bytes += h + data
        let path = temporaryPath(name)
        writeTestFile(path, Data(bytes))
        return path
    }

    private func floats(_ v: [Float]) -> [UInt8] {
        v.flatMap { f in (0..<4).map { UInt8((f.bitPattern >> (8 * UInt32($0))) & 0xFF) } }
    }

    func testRoundTrip() throws {
        let t = try Tensor(shape: [1, 2, 3], data: [1, 2, 3, 4, 5, -6.5])
        let path = temporaryPath("rt.npy")
        try NPY.write(t, to: path)
        let back = try NPY.read(path: path, expectedShape: [1, 2, 3])
        XCTAssertEqual(back.shape, [1, 2, 3])
        XCTAssertEqual(back.toArray(), t.toArray())
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        XCTAssertEqual((size - 24) % 64, 0, "header padded to 64 bytes")
    }

    func testHandBuiltVersions() throws {
        let v1 = npy("v1.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data: floats([1, 2, 3]))
        XCTAssertEqual(try NPY.read(path: v1).toArray(), [1, 2, 3])
        let v2 = npy("v2.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1)}", version: 2, data: floats([4, 5]))
        XCTAssertEqual(try NPY.read(path: v2).shape, [2, 1])
        let scalar = npy("scalar.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': ()}", data: floats([9]))
        XCTAssertEqual(try NPY.read(path: scalar).toArray(), [9])
    }

    func testRejections() {
        let f8 = npy("f8.npy", header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data: [UInt8](repeating: 0, count: 8))
        assertThrows(["f8.npy", "dtype '<f8'", "expected '<f4'"]) { try NPY.read(path: f8) }
        let be = npy("be.npy", header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        assertThrows(["dtype '>f4'"]) { try NPY.read(path: be) }
        let fortran = npy("fortran.npy", header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data: floats([1, 2, 3, 4]))
        assertThrows(["fortran.npy", "Fortran"]) { try NPY.read(path: fortran) }
        let trunc = npy("trunc.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: floats([1, 2, 3]))
        assertThrows(["trunc.npy", "truncated data", "[2, 3]", "needs 24 bytes, found 12"]) { try NPY.read(path: trunc) }
        let extra = npy("extra.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: floats([1, 2]))
        assertThrows(["4 unexpected bytes"]) { try NPY.read(path: extra) }
        let ok = npy("shape.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2, 2), }", data: floats(Array(repeating: 0, count: 12)))
        assertThrows(["shape.npy", "expected shape [1, 3, 4, 4], found [1, 3, 2, 2]"]) { try NPY.read(path: ok, expectedShape: [1, 3, 4, 4]) }
        let overflow = npy("ovf.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", data: [])
        assertThrows(["ovf.npy", "overflows"]) { try NPY.read(path: overflow) }
        let huge = npy("huge.npy", header: "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 10), }", data: [])
        assertThrows(["huge.npy", "tensor limit"]) { try NPY.read(path: huge) }
        let garbage = npy("garbage.npy", header: "{'descr': '<f4', 'shape': (1,), }", data: [0, 0, 0, 0])
        assertThrows(["malformed header", "missing key 'fortran_order'"]) { try NPY.read(path: garbage) }
        let path = temporaryPath("nomagic.npy")
        writeTestFile(path, Data("hello world, not numpy".utf8))
        assertThrows(["nomagic.npy", "magic"]) { try NPY.read(path: path) }
        let lying = temporaryPath("lying.npy")
        writeTestFile(lying, Data([0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF] + Array("{}".utf8)))
        assertThrows(["lying.npy", "header length says 65535 bytes"]) { try NPY.read(path: lying) }
    }
}
