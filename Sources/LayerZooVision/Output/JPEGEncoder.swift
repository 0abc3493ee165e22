import Foundation
import ZooImageCodecs

/// JPEG files through libjpeg-turbo, as Ultralytics saves annotated images
/// (`cv2.imwrite(... .jpg)`: quality 95, 4:2:0).
public enum JPEGEncoder {
    /// `image` as a JPEG file's bytes.
    public static func encode(_ image: BGRImage, quality: Int = 95) throws(ImageError) -> Data {
        guard image.width <= 65_500, image.height <= 65_500 else {
            throw ImageError(path: "", message: "JPEG cannot hold \(image.width) x \(image.height) pixels (at most 65500 per side)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var text = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { p in
            zi_jpeg_encode_bgr(p.baseAddress, UInt32(image.width), UInt32(image.height), Int32(min(max(quality, 1), 100)),
                               &out, &size, &text, text.count)
        }
        guard status == 0, let out else {
            throw ImageError(path: "", message: "JPEG encoding failed (libjpeg: \(ImageDecoder.message(text)))")
        }
        defer { zi_free(out) }
        return Data(bytes: out, count: size)
    }
}
