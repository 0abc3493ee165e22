import Foundation
import LayerZooCheckpoint
import XCTest

/// The restricted unpickler on pickles written by CPython's `pickle.dumps`.
final class UnpicklerTests: XCTestCase {
    func unpickle(_ data: [UInt8], storage: Int? = nil) throws -> PickleGraph {
        try Unpickler(file: "test.pt", entry: "archive/data.pkl", storageBytes: { _ in storage }).unpickle(data)
    }

    /// `{'a': [1, 2.5, 'x', None, True, -7, 2**40, -2**70], 'b': (1, 2), 'c': {'k': b'\x00\x01'}, 3: 'three'}`
    /// with protocols 0, 2, 4 and 5.
    func testEveryProtocolGivesTheSameValues() throws {
        let encoded = [
            "KGRwMApWYQpwMQoobHAyCkkxCmFGMi41CmFWeApwMwphTmFJMDEKYUktNwphTDEwOTk1MTE2Mjc3NzZMCmFMLTExODA1OTE2MjA3MTc0MTEzMDM0MjRMCmFzVmIKcDQKKEkxCkkyCnRwNQpzVmMKcDYKKGRwNwpWawpwOApjX2NvZGVjcwplbmNvZGUKcDkKKFZcdTAwMDABCnAxMApWbGF0aW4xCnAxMQp0cDEyClJwMTMKc3NJMwpWdGhyZWUKcDE0CnMu",
            "gAJ9cQAoWAEAAABhcQFdcQIoSwFHQAQAAAAAAABYAQAAAHhxA06ISvn///+KBgAAAAAAAYoJAAAAAAAAAADAZVgBAAAAYnEESwFLAoZxBVgBAAAAY3EGfXEHWAEAAABrcQhjX2NvZGVjcwplbmNvZGUKcQlYAgAAAAABcQpYBgAAAGxhdGluMXELhnEMUnENc0sDWAUAAAB0aHJlZXEOdS4=",
            "gASVWgAAAAAAAAB9lCiMAWGUXZQoSwFHQAQAAAAAAACMAXiUTohK+f///4oGAAAAAAABigkAAAAAAAAAAMBljAFilEsBSwKGlIwBY5R9lIwBa5RDAgABlHNLA4wFdGhyZWWUdS4=",
            "gAWVWgAAAAAAAAB9lCiMAWGUXZQoSwFHQAQAAAAAAACMAXiUTohK+f///4oGAAAAAAABigkAAAAAAAAAAMBljAFilEsBSwKGlIwBY5R9lIwBa5RDAgABlHNLA4wFdGhyZWWUdS4=",
        ]
        for (p, text) in zip([0, 2, 4, 5], encoded) {
            let g = try unpickle(bytes(text))
            let d = try XCTUnwrap(g.dict(g.root), "protocol \(p)")
            XCTAssertEqual(d.keys, [.string("a"), .string("b"), .string("c"), .int(3)], "protocol \(p)")
            let a = try XCTUnwrap(g.sequence(d["a"]))
            XCTAssertEqual(Array(a.prefix(7)), [.int(1), .float(2.5), .string("x"), .none, .bool(true), .int(-7), .int(1 << 40)], "protocol \(p)")
            XCTAssertEqual(a[7], .bigInt(bytes: p == 0 ? 11 : 9), "protocol \(p)")
            XCTAssertEqual(g.sequence(d["b"]), [.int(1), .int(2)], "protocol \(p)")
            XCTAssertEqual(g.dict(d["c"])?["k"], .bytes([0, 1]), "protocol \(p)")
            XCTAssertEqual(d[.int(3)], .string("three"), "protocol \(p)")
        }
    }

    func testOrderedDictIsADict() throws {
        let g = try unpickle(bytes("gAJjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcQApUnEBKFgBAAAAeHECSwFYAQAAAHlxA0sCdS4="))
        XCTAssertEqual(g.dict(g.root)?.keys, [.string("x"), .string("y")])
        XCTAssertEqual(g.dict(g.root)?["y"], .int(2))
    }

    /// Protocol 2's NEWOBJ + BUILD of a class that exists nowhere: an inert object with its state.
    func testUnknownClassesBecomeInertObjects() throws {
        var p: [UInt8] = [0x80, 0x02]
        p += Array("cevil.mod\nThing\n".utf8) + [0x29, 0x81, 0x7D, 0x28]
        p += [0x58, 6, 0, 0, 0] + Array("secret".utf8) + [0x58, 5, 0, 0, 0] + Array("value".utf8)
        p += [0x58, 1, 0, 0, 0] + Array("n".utf8) + [0x4B, 5, 0x75, 0x62, 0x2E]
        let g = try unpickle(p)
        let object = try XCTUnwrap(g.object(g.root))
        XCTAssertEqual(object.className, "evil.mod.Thing")
        XCTAssertEqual(object.attributes(in: g)?["secret"], .string("value"))
        XCTAssertEqual(object.attributes(in: g)?["n"], .int(5))
        // REDUCE of the inert object itself: another inert object, no call.
        let reduced = try unpickle(Array(p.dropLast()) + [0x29, 0x52, 0x2E])
        XCTAssertEqual(reduced.object(reduced.root)?.className, "(call of an object of evil.mod.Thing)")
    }

    func testTensorRebuildChecksItsStorage() throws {
        // {'w': _rebuild_tensor_v2(persistent('storage', FloatStorage, '0', 'cpu', 6), 1, (2, 2), (1, 2), False, OrderedDict())}
        func pickle(count: Int, offset: Int, stride: Int) -> [UInt8] {
            var p: [UInt8] = [0x80, 0x02, 0x7D, 0x58, 1, 0, 0, 0, UInt8(ascii: "w")]
            p += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28, 0x28]
            p += [0x58, 7, 0, 0, 0] + Array("storage".utf8) + Array("ctorch\nFloatStorage\n".utf8)
            p += [0x58, 1, 0, 0, 0, UInt8(ascii: "0"), 0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4B, UInt8(count), 0x74, 0x51]
            p += [0x4B, UInt8(offset), 0x4B, 2, 0x4B, 2, 0x86, 0x4B, 1, 0x4B, UInt8(stride), 0x86, 0x89]
            p += Array("ccollections\nOrderedDict\n".utf8) + [0x29, 0x52, 0x74, 0x52, 0x73, 0x2E]
            return p
        }
        let g = try unpickle(pickle(count: 6, offset: 1, stride: 2), storage: 24)
        guard case .tensor(let t)? = g.dict(g.root)?["w"] else { return XCTFail("no tensor") }
        XCTAssertEqual(g.tensors[t].shape, [2, 2])
        XCTAssertEqual(g.tensors[t].strides, [1, 2])
        XCTAssertEqual(g.tensors[t].offset, 1)
        XCTAssertEqual(g.storages[g.tensors[t].storage].type, .float)
        XCTAssertThrowsError(try unpickle(pickle(count: 6, offset: 3, stride: 2), storage: 24)) { error in
            XCTAssertTrue("\(error)".contains("reaches element 6 of storage '0', which has 6"), "\(error)")
        }
        XCTAssertThrowsError(try unpickle(pickle(count: 6, offset: 1, stride: 2), storage: 20)) { error in
            XCTAssertTrue("\(error)".contains("24 bytes, but its entry data/0 holds 20"), "\(error)")
        }
        XCTAssertThrowsError(try unpickle(pickle(count: 6, offset: 1, stride: 2), storage: nil)) { error in
            XCTAssertTrue("\(error)".contains("storage '0' has no entry data/0"), "\(error)")
        }
    }

    func testMalformedPicklesAreErrorsWithAnOffset() throws {
        let cases: [([UInt8], String)] = [
            ([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F], "a length field says 2147483647 bytes but only 0 remain"),
            ([0x80, 0x02, 0x61], "an opcode pops from an empty stack"),
            ([0x80, 0x02, 0x4E], "the pickle ends in the middle of an opcode"),
            ([0x80, 0x02, 0xFF], "unknown pickle opcode 0xff"),
            ([0x80, 0x09], "pickle protocol 9"),
            ([0x80, 0x02, 0x65], "an opcode needs a MARK"),
            ([0x80, 0x02, 0x28, 0x4E, 0x75, 0x2E], "an opcode needs a value on the stack"),
            ([0x80, 0x02] + Array("cos\nsys tem\n.".utf8), "is not a Python module and name"),
        ]
        for (data, message) in cases {
            XCTAssertThrowsError(try unpickle(data)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error) — expected \(message)")
                XCTAssertTrue("\(error)".hasPrefix("test.pt: archive/data.pkl, byte "), "\(error)")
            }
        }
    }

    /// BUILD with the same large dict, many times: each merge is charged, so the total is bounded.
    func testRepeatedWorkIsCharged() throws {
        var limits = CheckpointLimits()
        limits.maxValues = 1_000_000
        var p: [UInt8] = [0x80, 0x02] + Array("cm\nC\n".utf8) + [0x29, 0x81, 0x7D, 0x71, 0x00, 0x28]
        for k in 0..<10_000 { p += [0x4D, UInt8(k & 0xFF), UInt8(k >> 8), 0x4E] }
        p += [0x75, 0x30] // SETITEMS, POP: the dict is in memo 0, the object on the stack
        for _ in 0..<200 { p += [0x68, 0x00, 0x62] } // BINGET 0, BUILD
        p += [0x2E]
        XCTAssertThrowsError(try Unpickler(file: "t", entry: "e", limits: limits, storageBytes: { _ in nil }).unpickle(p)) { error in
            XCTAssertTrue("\(error)".contains("more than 1000000 values"), "\(error)")
        }
        let once = Array(p.prefix(p.count - 601)) + [0x68, 0x00, 0x62, 0x2E]
        let g = try Unpickler(file: "t", entry: "e", limits: limits, storageBytes: { _ in nil }).unpickle(once)
        XCTAssertEqual(g.object(g.root)?.attributes(in: g)?.count, 10_000)
    }

    func testValueLimit() throws {
        var limits = CheckpointLimits()
        limits.maxValues = 100
        let many: [UInt8] = [0x80, 0x02, 0x5D] + Array(repeating: [0x4E, 0x61], count: 200).flatMap { $0 } + [0x2E]
        XCTAssertThrowsError(try Unpickler(file: "t", entry: "e", limits: limits, storageBytes: { _ in nil }).unpickle(many)) { error in
            XCTAssertTrue("\(error)".contains("more than 100 values"), "\(error)")
        }
    }
}
