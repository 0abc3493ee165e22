import ZooCPU

/// `.npy` sources: float32 `[N, 3, H, W]` or `[3, H, W]` arrays already in the model's input
/// form (RGB, 0...1), used as they are, as Ultralytics uses tensor sources; the sides must be
/// multiples of the stride. The images drawn on are the arrays times 255, truncated, as
/// Ultralytics converts tensors back to pictures.
public enum NPYImages {
    public static func batch(path: String, stride: Int) throws(ImageError) -> PreparedBatch {
        var tensor: Tensor
        do throws(BackendError) {
            tensor = try NPY.read(path: path)
            if tensor.rank == 3 { tensor = try tensor.reshaped([1] + tensor.shape) }
        } catch {
            throw ImageError(path: path, message: "\(error)")
        }
        guard tensor.rank == 4, tensor.shape[1] == 3, tensor.shape[0] >= 1 else {
            throw ImageError(path: path, message: "expected a float32 [N, 3, H, W] or [3, H, W] array, found shape \(describeShape(tensor.shape))")
        }
        let n = tensor.shape[0], h = tensor.shape[2], w = tensor.shape[3]
        guard h % stride == 0, w % stride == 0 else {
            throw ImageError(path: path, message: "image size \(h) x \(w) is not a multiple of the model's stride \(stride)")
        }
        guard ImageLimits.byteCount(height: h, width: w) != nil else {
            throw ImageError(path: path, message: "array images of \(h) x \(w) exceed the \(ImageLimits.maxPixels / 1_000_000)-megapixel limit")
        }
        var images: [PreparedImage] = []
        let plane = h * w
        for k in 0..<n {
            var pixels = [UInt8](repeating: 0, count: plane * 3)
            let base = tensor.pointer + k * 3 * plane
            for i in 0..<plane {
                for c in 0..<3 {
                    let v = base[c * plane + i] * 255
                    pixels[3 * i + (2 - c)] = v.isNaN ? 0 : UInt8(min(max(v, 0), 255))
                }
            }
            let image = try BGRImage(height: h, width: w, pixels: pixels)
            let geometry = LetterBox.Geometry(ratio: 1, resizedHeight: h, resizedWidth: w, top: 0, bottom: 0, left: 0, right: 0)
            images.append(PreparedImage(source: n == 1 ? path : "\(path)[\(k)]", original: image, geometry: geometry))
        }
        return PreparedBatch(images: images, tensor: tensor)
    }
}
