import Foundation
import ZooImageCodecs

/// PNG files through libpng.
public enum PNGEncoder {
    /// `image` as a PNG file's bytes (8-bit RGB).
    public static func encode(_ image: BGRImage) throws(ImageError) -> Data {
        var rgb = image.pixels
        for i in stride(from: 0, to: rgb.count, by: 3) { rgb.swapAt(i, i + 2) }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var text = [CChar](repeating: 0, count: 256)
        let status = rgb.withUnsafeBufferPointer { p in
            zi_png_encode_rgb(p.baseAddress, UInt32(image.width), UInt32(image.height), &out, &size, &text, text.count)
        }
        guard status == 0, let out else {
            throw ImageError(path: "", message: "PNG encoding failed (libpng: \(ImageDecoder.message(text)))")
        }
        defer { zi_free(out) }
        return Data(bytes: out, count: size)
    }
}
