import CFreeType

/// Label text through FreeType with a TrueType font from the system (Debian's
/// fonts-dejavu-core: DejaVu Sans), rendered as 8-bit coverage and blended onto images.
///
/// A maintained rasteriser and font rather than a home-made bitmap font: labels stay legible
/// at every size the box thickness asks for. Without a font file labels are drawn as their
/// coloured backgrounds only (see `isAvailable`). One FreeType face: use it from one thread at
/// a time (predict draws on its main thread).
public final class GlyphRenderer: @unchecked Sendable {
    /// Fonts tried in order; `LAYERZOO_FONT` (a .ttf path) comes first when set.
    public static let fontPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
    ]

    /// The process's renderer, created on first use.
    public static let shared = GlyphRenderer()

    private var library: FT_Library?
    private var face: FT_Face?
    private var pixelSize = 0

    public var isAvailable: Bool { face != nil }

    init() {
        guard FT_Init_FreeType(&library) == 0 else { return }
        var candidates = Self.fontPaths
        if let custom = getenv("LAYERZOO_FONT") { candidates.insert(String(cString: custom), at: 0) }
        for path in candidates {
            var f: FT_Face?
            if FT_New_Face(library, path, 0, &f) == 0 {
                face = f
                break
            }
        }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    private func setSize(_ size: Int) {
        guard let face, size != pixelSize else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        pixelSize = size
    }

    /// Width of `text` and the font's ascent and descent, in pixels.
    public func measure(_ text: String, size: Int) -> (width: Int, ascent: Int, descent: Int) {
        guard let face else { return (text.count * size / 2, size * 3 / 4, size / 4) }
        setSize(size)
        var width = 0
        for scalar in text.unicodeScalars where FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_DEFAULT)) == 0 {
            width += Int(face.pointee.glyph.pointee.advance.x >> 6)
        }
        let metrics = face.pointee.size.pointee.metrics
        return (width, Int(metrics.ascender >> 6), Int(-metrics.descender >> 6))
    }

    /// Draws `text` with its baseline starting at (x, baseline), clipped to the image.
    public func draw(_ text: String, size: Int, x: Int, baseline: Int, color: (UInt8, UInt8, UInt8), on image: inout BGRImage) {
        guard let face else { return }
        setSize(size)
        var penX = x
        let w = image.width, h = image.height
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for scalar in text.unicodeScalars where FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0 {
                let glyph = face.pointee.glyph.pointee
                let bitmap = glyph.bitmap
                let left = penX + Int(glyph.bitmap_left), top = baseline - Int(glyph.bitmap_top)
                if let buffer = bitmap.buffer {
                    for row in 0..<Int(bitmap.rows) {
                        let y = top + row
                        guard y >= 0, y < h else { continue }
                        for col in 0..<Int(bitmap.width) {
                            let px = left + col
                            guard px >= 0, px < w else { continue }
                            let a = Int(buffer[row * Int(bitmap.pitch) + col])
                            guard a > 0 else { continue }
                            let p = (y * w + px) * 3
                            pixels[p] = blend(pixels[p], color.0, a)
                            pixels[p + 1] = blend(pixels[p + 1], color.1, a)
                            pixels[p + 2] = blend(pixels[p + 2], color.2, a)
                        }
                    }
                }
                penX += Int(glyph.advance.x >> 6)
            }
        }
    }

    @inline(__always)
    private func blend(_ under: UInt8, _ over: UInt8, _ alpha: Int) -> UInt8 {
        UInt8((Int(under) * (255 - alpha) + Int(over) * alpha + 127) / 255)
    }
}
