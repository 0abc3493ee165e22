/// The file of a `multipart/form-data` upload (RFC 7578): the first part with a `filename`,
/// else the part named `image` or `file`. Only what the predict route needs: no nested parts,
/// no transfer encodings. Scans the bytes once; copies only the file.
struct MultipartUpload {
    var filename: String?
    var bytes: [UInt8]

    /// The boundary of a `multipart/form-data; boundary=...` content type, or nil.
    static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            var value = String(part.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    static func parse(_ body: UnsafeRawBufferPointer, boundary: String) throws(ServeError) -> MultipartUpload {
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var i = 0
        while let k = find(delimiter, in: body, from: i) {
            starts.append(k)
            i = k + delimiter.count
        }
        guard starts.count >= 2 else { throw .badRequest("the multipart body has no part delimited by its boundary") }
        var fallback: MultipartUpload?
        for (a, b) in zip(starts, starts.dropFirst()) {
            // A part: delimiter, CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
            let partStart = a + delimiter.count + 2
            guard partStart <= b, let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: partStart), headerEnd < b else { continue }
            let headers = String(decoding: UnsafeRawBufferPointer(rebasing: body[partStart..<headerEnd]), as: UTF8.self)
            let contentStart = headerEnd + 4
            let contentEnd = max(contentStart, b - 2)
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else { continue }
            let name = parameter("name", in: disposition)
            let filename = parameter("filename", in: disposition)
            let upload = MultipartUpload(filename: filename, bytes: Array(UnsafeRawBufferPointer(rebasing: body[contentStart..<contentEnd])))
            if filename != nil { return upload }
            if fallback == nil, name == "image" || name == "file" { fallback = upload }
        }
        guard let fallback else { throw .badRequest("the multipart body has no file part (one with a filename, or named 'image' or 'file')") }
        return fallback
    }

    private static func parameter(_ key: String, in header: Substring) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let kv = piece.trimmingCharacters(in: .whitespaces)
            guard kv.hasPrefix(key + "=") else { continue }
            var value = String(kv.dropFirst(key.count + 1))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in hay: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let first = needle.first, hay.count >= needle.count, start <= hay.count - needle.count else { return nil }
        var i = start
        while i <= hay.count - needle.count {
            if hay[i] == first, (1..<needle.count).allSatisfy({ hay[i + $0] == needle[$0] }) { return i }
            i += 1
        }
        return nil
    }
}
