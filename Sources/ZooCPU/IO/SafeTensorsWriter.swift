/// Writes Float32 tensors as a safetensors file (entries in the given order, header padded
/// with spaces to a multiple of 8 bytes so the data section is aligned).
public func writeSafeTensors(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to path: String
) throws(BackendError) {
    var seen = Set<String>()
    var fields: [String] = []
    if !metadata.isEmpty {
        let pairs = metadata.sorted { $0.key < $1.key }.map { jsonQuoted($0.key) + ":" + jsonQuoted($0.value) }
        fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
    }
    var offset = 0
    for (name, t) in tensors {
        guard name != "__metadata__", seen.insert(name).inserted else {
            throw .file(path: path, tensor: name, message: "duplicate or reserved tensor name")
        }
        let end = offset + t.count * 4
        fields.append(jsonQuoted(name) + ":{\"dtype\":\"F32\",\"shape\":[" + t.shape.map(String.init).joined(separator: ",")
                      + "],\"data_offsets\":[\(offset),\(end)]}")
        offset = end
    }
    var header = Array(("{" + fields.joined(separator: ",") + "}").utf8)
    while (8 + header.count) % 8 != 0 { header.append(0x20) }
    #if _endian(big)
    throw .file(path: path, tensor: nil, message: "writing safetensors on a big-endian host is not supported")
    #else
    let prefix = UnsafeMutableRawBufferPointer.allocate(byteCount: 8 + header.count, alignment: 8)
    defer { prefix.deallocate() }
    prefix.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self)
    for (i, b) in header.enumerated() { prefix[8 + i] = b }
    var chunks = [UnsafeRawBufferPointer(prefix)]
    for (_, t) in tensors {
        chunks.append(UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4))
    }
    try writeFile(path, chunks)
    #endif
}
