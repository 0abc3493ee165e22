import ZooCPU

/// One image of a batch, as pre-processing left it: where it came from, its original size,
/// and where it sits in the model input.
public struct PreparedImage: Sendable {
    public var source: String
    public var original: BGRImage
    public var geometry: LetterBox.Geometry
}

/// A model input and the images in it.
public struct PreparedBatch: @unchecked Sendable {
    public var images: [PreparedImage]
    /// `[N, 3, H, W]`, RGB, 0...1.
    public var tensor: Tensor

    public var inputHeight: Int { tensor.shape[2] }
    public var inputWidth: Int { tensor.shape[3] }
}

/// Ultralytics' predictor pre-processing: `LetterBox` (rect, i.e. `auto`, when every image of
/// the batch has the same shape, as for PyTorch models) — or, for classification models, its
/// resize and centre crop (`ClassifyTransform`) — then BGR → RGB, uint8 → float32 / 255, NCHW.
public struct Preprocessor: Sendable {
    public var height: Int
    public var width: Int
    public var stride: Int
    /// Classification pre-processing instead of the letterbox.
    public var classify = false
    /// Stretch every image to the input size instead of letterboxing it (RT-DETR).
    public var scaleFill = false

    /// `imgsz` rounded up to multiples of `stride`, as Ultralytics' `check_imgsz` does.
    public init(height: Int, width: Int, stride: Int) {
        let s = max(stride, 1)
        self.height = max((height + s - 1) / s * s, s)
        self.width = max((width + s - 1) / s * s, s)
        self.stride = s
    }

    public func callAsFunction(_ images: [(source: String, image: BGRImage)]) throws(ImageError) -> PreparedBatch {
        guard let first = images.first else { throw ImageError(path: "", message: "no images to pre-process") }
        let sameShapes = images.allSatisfy { $0.image.height == first.image.height && $0.image.width == first.image.width }
        var letterBox = LetterBox(height: height, width: width, auto: sameShapes, stride: stride)
        letterBox.scaleFill = scaleFill
        var boxed: [BGRImage] = []
        var prepared: [PreparedImage] = []
        for item in images {
            do throws(ImageError) {
                let (image, geometry) = classify ? (try ClassifyTransform(height: height, width: width)(item.image),
                                                    letterBox.geometry(imageHeight: height, imageWidth: width))
                    : try letterBox.apply(item.image)
                boxed.append(image)
                prepared.append(PreparedImage(source: item.source, original: item.image, geometry: geometry))
            } catch {
                throw error.at(item.source)
            }
        }
        return PreparedBatch(images: prepared, tensor: try Self.inputTensor(boxed))
    }

    /// Images of one shape as the model input: `[N, 3, H, W]`, BGR → RGB, / 255.
    public static func inputTensor(_ boxed: [BGRImage]) throws(ImageError) -> Tensor {
        guard let first = boxed.first, boxed.allSatisfy({ $0.height == first.height && $0.width == first.width }) else {
            throw ImageError(path: "", message: "a batch needs images of one size")
        }
        let h = first.height, w = first.width
        let tensor: Tensor
        do throws(BackendError) {
            tensor = try Tensor.uninitialized(shape: [boxed.count, 3, h, w])
        } catch {
            throw ImageError(path: "", message: "cannot allocate the model input: \(error)")
        }
        let plane = h * w
        let out = SendablePointer(tensor)
        for (n, image) in boxed.enumerated() {
            image.pixels.withUnsafeBufferPointer { src in
                let p = SendableConstPointer(src.baseAddress!)
                parallelFor(plane, grain: 16_384) { range in
                    let r = out.p + n * 3 * plane, g = r + plane, b = g + plane
                    for i in range {
                        b[i] = Float(p.p[3 * i]) / 255
                        g[i] = Float(p.p[3 * i + 1]) / 255
                        r[i] = Float(p.p[3 * i + 2]) / 255
                    }
                }
            }
        }
        return tensor
    }
}
