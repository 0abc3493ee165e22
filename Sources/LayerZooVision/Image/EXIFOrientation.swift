/// The EXIF orientation tag (0x0112) of a JPEG or PNG, and the flips and transposes OpenCV's
/// `imread` applies for it. The parser walks the JPEG's marker segments up to the first scan
/// (the PNG's chunks up to the image data), reads only the first `Exif` APP1 segment's (`eXIf`
/// chunk's) IFD0, and checks every offset against the segment's bounds.
public enum EXIFOrientation {
    /// 1 (as stored) to 8, or 1 when the file has no readable orientation.
    public static func jpegOrientation(_ bytes: UnsafeRawBufferPointer) -> Int {
        var at = 2  // after SOI
        while at + 4 <= bytes.count {
            guard bytes[at] == 0xFF else { return 1 }
            let marker = bytes[at + 1]
            if marker == 0xFF { at += 1; continue }  // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { at += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return 1 }  // image data: no metadata beyond here
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length >= 2, at + 2 + length <= bytes.count else { return 1 }
            let start = at + 4, end = at + 2 + length
            if marker == 0xE1, end - start >= 6,
               bytes[start] == 0x45, bytes[start + 1] == 0x78, bytes[start + 2] == 0x69, bytes[start + 3] == 0x66,
               bytes[start + 4] == 0, bytes[start + 5] == 0 {
                return tiffOrientation(UnsafeRawBufferPointer(rebasing: bytes[(start + 6)..<end])) ?? 1
            }
            at = end
        }
        return 1
    }

    /// 1 (as stored) to 8 from a PNG's `eXIf` chunk before the image data, or 1. Chunk lengths
    /// are checked against the file; CRCs are libpng's business.
    public static func pngOrientation(_ bytes: UnsafeRawBufferPointer) -> Int {
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let type = (bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7])
            guard length >= 0, length <= bytes.count - at - 12 else { return 1 }
            if type == (0x49, 0x44, 0x41, 0x54) || type == (0x49, 0x45, 0x4E, 0x44) { return 1 }  // IDAT, IEND
            if type == (0x65, 0x58, 0x49, 0x66) {  // eXIf
                return tiffOrientation(UnsafeRawBufferPointer(rebasing: bytes[(at + 8)..<(at + 8 + length)])) ?? 1
            }
            at += 12 + length
        }
        return 1
    }

    /// The orientation entry of a TIFF header's first IFD.
    static func tiffOrientation(_ tiff: UnsafeRawBufferPointer) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ i: Int) -> Int? {
            guard i >= 0, i + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[i]) | Int(tiff[i + 1]) << 8 : Int(tiff[i]) << 8 | Int(tiff[i + 1])
        }
        func u32(_ i: Int) -> Int? {
            guard let a = u16(i), let b = u16(i + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let entry = ifd + 2 + 12 * k
            guard let tag = u16(entry) else { return nil }
            guard tag == 0x0112 else { continue }
            guard u16(entry + 2) == 3, let value = u16(entry + 8), (1...8).contains(value) else { return nil }
            return value
        }
        return nil
    }

    /// `image` turned upright for `orientation` (1...8), as OpenCV does after decoding.
    public static func apply(_ orientation: Int, to image: BGRImage) -> BGRImage {
        switch orientation {
        case 2: return remap(image, transpose: false, flipX: true, flipY: false)
        case 3: return remap(image, transpose: false, flipX: true, flipY: true)
        case 4: return remap(image, transpose: false, flipX: false, flipY: true)
        case 5: return remap(image, transpose: true, flipX: false, flipY: false)
        case 6: return remap(image, transpose: true, flipX: true, flipY: false)
        case 7: return remap(image, transpose: true, flipX: true, flipY: true)
        case 8: return remap(image, transpose: true, flipX: false, flipY: true)
        default: return image
        }
    }

    /// Transposes (optionally), then mirrors the result horizontally and/or vertically.
    static func remap(_ image: BGRImage, transpose: Bool, flipX: Bool, flipY: Bool) -> BGRImage {
        let h = transpose ? image.width : image.height
        let w = transpose ? image.height : image.width
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        let sw = image.width
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let ty = flipY ? h - 1 - y : y
                    for x in 0..<w {
                        let tx = flipX ? w - 1 - x : x
                        let (sy, sx) = transpose ? (tx, ty) : (ty, tx)
                        let s = (sy * sw + sx) * 3, d = (y * w + x) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return (try? BGRImage(height: h, width: w, pixels: out)) ?? image
    }
}
