import ZooCPU

/// The body of an inference response: JSON, or with the binary tensor extension the JSON
/// (whose length goes in `Inference-Header-Content-Length`) followed by the raw float32
/// bytes of the outputs asked for as binary, in order.
public struct InferResponse: Sendable {
    public var bytes: [UInt8]
    /// nil when the body is all JSON.
    public var jsonLength: Int?

    /// `outputs` in the order given; those named in `binary` as binary data. Non-finite
    /// values, which JSON cannot hold, are written as null.
    public init(model: String, version: String?, id: String?, outputs: [(name: String, tensor: Tensor)], binary: Set<String>) {
        var json = "{\"model_name\":\(jsonQuoted(model))"
        if let version { json += ",\"model_version\":\(jsonQuoted(version))" }
        if let id { json += ",\"id\":\(jsonQuoted(id))" }
        json += ",\"outputs\":["
        var tail: [UInt8] = []
        var anyBinary = false
        for (k, (name, tensor)) in outputs.enumerated() {
            if k > 0 { json += "," }
            json += "{\"name\":\(jsonQuoted(name)),\"datatype\":\"FP32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))]"
            let values = UnsafeBufferPointer(start: tensor.pointer, count: tensor.count)
            if binary.contains(name) {
                anyBinary = true
                json += ",\"parameters\":{\"binary_data_size\":\(tensor.count * 4)}}"
                tail.reserveCapacity(tail.count + tensor.count * 4)
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { tail.append(contentsOf: $0) } }
            } else {
                json += ",\"data\":["
                var first = true
                for v in values {
                    if !first { json += "," }
                    first = false
                    json += v.isFinite ? v.description : "null"
                }
                json += "]}"
            }
        }
        json += "]}"
        bytes = Array(json.utf8)
        jsonLength = anyBinary ? bytes.count : nil
        bytes += tail
    }
}

/// The `{"error": "..."}` body of a failed request.
func errorBody(_ message: String) -> [UInt8] {
    Array("{\"error\":\(jsonQuoted(message))}".utf8)
}
