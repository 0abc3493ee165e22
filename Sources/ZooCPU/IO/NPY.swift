/// Reading and writing NumPy `.npy` files of little-endian float32 (`'<f4'`) in C order.
public enum NPY {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The shape `path` holds, after every check `read` makes except reading the data: what
    /// a caller needs to apply its limits before anything is allocated.
    public static func shape(path: String) throws(BackendError) -> [Int] {
        try parse(MappedFile(path: path), path: path, expectedShape: nil).shape
    }

    private static func parse(_ file: MappedFile, path: String, expectedShape: [Int]?) throws(BackendError)
        -> (shape: [Int], count: Int, byteCount: Int, dataStart: Int) {
        let bytes = file.bytes
        func bad(_ m: String) -> BackendError { .file(path: path, tensor: nil, message: m) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw bad("not an .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLen: Int, headerStart: Int
        switch major {
        case 1:
            headerLen = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated .npy header") }
            headerLen = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            headerStart = 12
        default:
            throw bad("unsupported .npy format version \(major).\(minor), expected 1.0, 2.0 or 3.0")
        }
        guard headerLen <= bytes.count - headerStart else {
            throw bad("header length says \(headerLen) bytes but only \(bytes.count - headerStart) follow (truncated file?)")
        }
        let headerBytes = Array(bytes[headerStart..<(headerStart + headerLen)])
        guard let text = validUTF8String(headerBytes) else { throw bad("header is not valid text") }
        let header: NPYHeader
        do {
            header = try NPYHeader(parsing: text)
        } catch {
            throw bad("malformed header \(text.trimmingSpace): \(error.message)")
        }
        guard header.descr == "<f4" else {
            throw bad("dtype '\(header.descr)' is not supported, expected '<f4' (little-endian float32)")
        }
        guard !header.fortranOrder else {
            throw bad("Fortran-ordered arrays are not supported, expected C order (fortran_order: False)")
        }
        if let expectedShape, expectedShape != header.shape {
            throw bad("expected shape \(describeShape(expectedShape)), found \(describeShape(header.shape))")
        }
        let limit = ZooCPUSettings.maxTensorBytes
        guard let count = ShapeMath.elementCount(header.shape), let byteCount = ShapeMath.multiply(count, 4) else {
            throw bad("shape \(describeShape(header.shape)) has an element count that overflows")
        }
        guard byteCount <= limit else {
            throw bad("shape \(describeShape(header.shape)) needs \(byteCount) bytes, over the \(limit)-byte tensor limit")
        }
        let dataStart = headerStart + headerLen
        let available = bytes.count - dataStart
        guard available == byteCount else {
            throw bad(available < byteCount
                      ? "truncated data: shape \(describeShape(header.shape)) needs \(byteCount) bytes, found \(available)"
                      : "\(available - byteCount) unexpected bytes after the \(byteCount) bytes of data for shape \(describeShape(header.shape))")
        }
        return (header.shape, count, byteCount, dataStart)
    }

    /// Reads `path` (format versions 1.0, 2.0 and 3.0). Rejects any dtype other than `'<f4'`,
    /// Fortran order, a header that is not a Python dict literal, missing or extra data, a
    /// size over `ZooCPUSettings.maxTensorBytes` and, when given, a shape other than `expectedShape`.
    public static func read(path: String, expectedShape: [Int]? = nil) throws(BackendError) -> Tensor {
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        let (shape, count, byteCount, dataStart) = try parse(file, path: path, expectedShape: expectedShape)
        let t = try Tensor.uninitialized(shape: shape)
        if let base = bytes.baseAddress, byteCount > 0 {
            #if _endian(little)
            UnsafeMutableRawPointer(t.pointer).copyMemory(from: base + dataStart, byteCount: byteCount)
            #else
            for i in 0..<count {
                t.pointer[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: dataStart + 4 * i, as: UInt32.self)))
            }
            #endif
        }
        return t
    }

    /// Writes `tensor` as a version 1.0 `.npy` file (2.0 when the header would not fit).
    public static func write(_ tensor: Tensor, to path: String) throws(BackendError) {
        let shapeText: String
        switch tensor.rank {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        var prefix = magic
        var body = Array(dict.utf8)
        let v1 = (10 + body.count + 1 + 63) / 64 * 64 - 10 <= 65535
        let fixed = v1 ? 10 : 12
        let padded = (fixed + body.count + 1 + 63) / 64 * 64
        body += [UInt8](repeating: 0x20, count: padded - fixed - body.count - 1) + [0x0A]
        if v1 {
            prefix += [1, 0, UInt8(body.count & 0xFF), UInt8(body.count >> 8)]
        } else {
            prefix += [2, 0] + (0..<4).map { UInt8((body.count >> (8 * $0)) & 0xFF) }
        }
        let head = prefix + body
        #if _endian(big)
        throw .file(path: path, tensor: nil, message: "writing .npy on a big-endian host is not supported")
        #else
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: head.count, alignment: 1)
        defer { buffer.deallocate() }
        for (i, b) in head.enumerated() { buffer[i] = b }
        try writeFile(path, [UnsafeRawBufferPointer(buffer), UnsafeRawBufferPointer(start: tensor.pointer, count: tensor.count * 4)])
        #endif
    }
}

/// The dict literal of an .npy header: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NPYHeader {
    struct Failure: Error {
        let message: String
    }

    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    init(parsing text: String) throws(Failure) {
        var s = Substring(text)
        func skip() { s = s.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" }) }
        func eat(_ c: Character) -> Bool {
            skip()
            guard s.first == c else { return false }
            s.removeFirst()
            return true
        }
        func quoted() throws(Failure) -> String {
            skip()
            guard let q = s.first, q == "'" || q == "\"" else { throw Failure(message: "expected a quoted string") }
            s.removeFirst()
            guard let end = s.firstIndex(of: q) else { throw Failure(message: "unterminated string") }
            let v = String(s[..<end])
            s = s[s.index(after: end)...]
            return v
        }
        func integer() throws(Failure) -> Int {
            skip()
            let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else { throw Failure(message: "expected a non-negative integer in shape") }
            s = s.dropFirst(digits.count)
            if eat("L") {}
            guard let v = Int(digits) else { throw Failure(message: "shape dimension \(digits) is too large") }
            return v
        }
        guard eat("{") else { throw Failure(message: "expected '{'") }
        var seen = Set<String>()
        while !eat("}") {
            let key = try quoted()
            guard eat(":") else { throw Failure(message: "expected ':' after '\(key)'") }
            guard seen.insert(key).inserted else { throw Failure(message: "duplicate key '\(key)'") }
            switch key {
            case "descr":
                descr = try quoted()
            case "fortran_order":
                skip()
                if s.hasPrefix("True") { fortranOrder = true; s = s.dropFirst(4) }
                else if s.hasPrefix("False") { fortranOrder = false; s = s.dropFirst(5) }
                else { throw Failure(message: "fortran_order must be True or False") }
            case "shape":
                guard eat("(") else { throw Failure(message: "shape must be a tuple") }
                var dims: [Int] = []
                while !eat(")") {
                    dims.append(try integer())
                    if !eat(",") {
                        guard eat(")") else { throw Failure(message: "expected ',' or ')' in shape") }
                        break
                    }
                }
                shape = dims
            default:
                throw Failure(message: "unexpected key '\(key)'")
            }
            if !eat(",") {
                guard eat("}") else { throw Failure(message: "expected ',' or '}'") }
                break
            }
        }
        skip()
        guard s.isEmpty else { throw Failure(message: "unexpected text after the dict") }
        for k in ["descr", "fortran_order", "shape"] where !seen.contains(k) {
            throw Failure(message: "missing key '\(k)'")
        }
    }
}

extension String {
    fileprivate var trimmingSpace: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " || $0 == "\n" }).reversed())
    }
}
