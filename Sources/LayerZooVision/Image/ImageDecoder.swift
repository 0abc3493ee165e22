import Foundation
import ZooCPU
import ZooImageCodecs

/// Reads JPEG and PNG files as OpenCV's `imread(path, IMREAD_COLOR)` does — 8-bit BGR, grey
/// replicated, alpha dropped, 16-bit PNG samples reduced to their high byte, EXIF
/// orientation (JPEG APP1, PNG eXIf) applied — using libjpeg-turbo and libpng. Sizes are checked from the header
/// before any pixel buffer is allocated; CMYK/YCCK JPEGs, truncated and corrupt files are
/// refused with a message.
public enum ImageDecoder {
    public enum Format: String, Sendable {
        case jpeg = "JPEG", png = "PNG"
    }

    /// The format `bytes` start with, or nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> Format? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8, (0..<8).allSatisfy({ bytes[$0] == png[$0] }) { return .png }
        return nil
    }

    /// Reads and decodes the file at `path`.
    public static func decode(path: String) throws(ImageError) -> BGRImage {
        let data = try readFile(path)
        do throws(ImageError) {
            return try decode(data)
        } catch {
            throw error.at(path)
        }
    }

    /// Decodes an in-memory JPEG or PNG.
    public static func decode(_ data: Data) throws(ImageError) -> BGRImage {
        let result: Result<BGRImage, ImageError> = data.withUnsafeBytes { raw in
            do throws(ImageError) {
                switch sniff(raw) {
                case .jpeg?: return .success(try decodeJPEG(raw))
                case .png?: return .success(try decodePNG(raw))
                case nil:
                    let head = raw.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
                    return .failure(ImageError(path: "", message: "not a JPEG or PNG image (the file starts with \(head.isEmpty ? "nothing" : head))"))
                }
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The file's bytes. Only a regular file is opened: a FIFO or a device given as an image
    /// would block the read forever (or never end), so `stat` is asked first and the open
    /// descriptor checked again (`RegularFile`), which also records it as an input.
    static func readFile(_ path: String) throws(ImageError) -> Data {
        let kind = FileKind.of(path)
        switch kind {
        case .regular(let size, _, _):
            guard size <= ImageLimits.maxFileBytes else {
                throw ImageError(path: path, message: "file of \(size) bytes is larger than the \(ImageLimits.maxFileBytes >> 20) MiB limit for images")
            }
        case .directory:
            throw ImageError(path: path, message: "is a folder, not an image")
        case .missing(let code) where code == ENOENT || code == ENOTDIR:
            throw ImageError(path: path, message: "cannot read the file (no such file)")
        default:
            throw ImageError(path: path, message: (kind.notRegularDescription ?? "is not a regular file") + "; an image must be a file")
        }
        let bytes: [UInt8]
        do throws(BackendError) {
            bytes = try RegularFile.readAll(path, maxBytes: ImageLimits.maxFileBytes)
        } catch {
            throw ImageError(path: path, message: "cannot read the file: \(Self.reason(error))")
        }
        guard !bytes.isEmpty else { throw ImageError(path: path, message: "empty file, not an image") }
        return Data(bytes)
    }

    /// A file error's message without the path it repeats.
    private static func reason(_ error: BackendError) -> String {
        switch error {
        case .file(_, _, let message), .tooLarge(_, let message): return message
        default: return "\(error)"
        }
    }

    static func checkSize(width: Int, height: Int, format: Format) throws(ImageError) -> Int {
        guard width > 0, height > 0 else {
            throw ImageError(path: "", message: "\(format.rawValue) header gives an empty image (\(width) x \(height))")
        }
        guard let bytes = ImageLimits.byteCount(height: height, width: width) else {
            throw ImageError(path: "", message: "\(format.rawValue) image of \(width) x \(height) pixels is larger than the limit of \(ImageLimits.maxPixels / 1_000_000) megapixels")
        }
        return bytes
    }

    static func message(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func decodeJPEG(_ raw: UnsafeRawBufferPointer) throws(ImageError) -> BGRImage {
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ImageError(path: "", message: "empty file")
        }
        var info = zi_jpeg_info()
        var text = [CChar](repeating: 0, count: 256)
        guard zi_jpeg_read_info(base, raw.count, &info, &text, text.count) == 0 else {
            throw ImageError(path: "", message: "corrupt JPEG header (libjpeg: \(message(text)))")
        }
        switch Int(info.color_space) {
        case Int(ZI_JPEG_CMYK), Int(ZI_JPEG_YCCK):
            throw ImageError(path: "", message: "CMYK JPEG images are not supported; convert it to RGB first (e.g. `convert in.jpg -colorspace sRGB out.jpg`)")
        case Int(ZI_JPEG_GRAY), Int(ZI_JPEG_COLOR):
            break
        default:
            throw ImageError(path: "", message: "JPEG with \(info.components) components in an unknown colour space is not supported")
        }
        let count = try checkSize(width: Int(info.width), height: Int(info.height), format: .jpeg)
        var pixels = [UInt8](repeating: 0, count: count)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            zi_jpeg_decode_bgr(base, raw.count, out.baseAddress, out.count, &text, text.count)
        }
        if status == 1 {
            throw ImageError(path: "", message: "truncated JPEG: the data ends before the last row of the image")
        }
        guard status == 0 else { throw ImageError(path: "", message: "corrupt JPEG data (libjpeg: \(message(text)))") }
        let image = try BGRImage(height: Int(info.height), width: Int(info.width), pixels: pixels)
        return EXIFOrientation.apply(EXIFOrientation.jpegOrientation(raw), to: image)
    }

    /// Width and height from the IHDR chunk, which the PNG format fixes right after the signature.
    static func pngHeaderSize(_ raw: UnsafeRawBufferPointer) -> (width: Int, height: Int)? {
        guard raw.count >= 24, raw[12] == 0x49, raw[13] == 0x48, raw[14] == 0x44, raw[15] == 0x52 else { return nil }
        func be32(_ at: Int) -> Int { (Int(raw[at]) << 24) | (Int(raw[at + 1]) << 16) | (Int(raw[at + 2]) << 8) | Int(raw[at + 3]) }
        return (be32(16), be32(20))
    }

    static func decodePNG(_ raw: UnsafeRawBufferPointer) throws(ImageError) -> BGRImage {
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ImageError(path: "", message: "empty file")
        }
        guard let size = pngHeaderSize(raw) else {
            throw ImageError(path: "", message: "corrupt PNG: no IHDR chunk after the signature")
        }
        _ = try checkSize(width: size.width, height: size.height, format: .png)
        var info = zi_png_info()
        var text = [CChar](repeating: 0, count: 256)
        guard zi_png_read_info(base, raw.count, &info, &text, text.count) == 0 else {
            throw ImageError(path: "", message: "corrupt PNG header (libpng: \(message(text)))")
        }
        let count = try checkSize(width: Int(info.width), height: Int(info.height), format: .png)
        var pixels = [UInt8](repeating: 0, count: count)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            zi_png_decode_bgr(base, raw.count, out.baseAddress, out.count, &text, text.count)
        }
        guard status == 0 else {
            let reason = message(text)
            if reason.contains("truncated") || reason.contains("Not enough image data") || reason.contains("Read Error") {
                throw ImageError(path: "", message: "truncated PNG: the data ends before the last row of the image (libpng: \(reason))")
            }
            throw ImageError(path: "", message: "corrupt PNG data (libpng: \(reason))")
        }
        let image = try BGRImage(height: Int(info.height), width: Int(info.width), pixels: pixels)
        return EXIFOrientation.apply(EXIFOrientation.pngOrientation(raw), to: image)
    }
}
