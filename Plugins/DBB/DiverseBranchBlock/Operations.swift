import Foundation
import LayerZoo
import ZooCPU

/// BN-and-pad's padding: `pixels` on every side, channel c filled with `values[c]`.
/// Functional in PyTorch (`F.pad` and slice assignment), so thop counts nothing.
struct ChannelValuePad: CustomOperation {
    let pixels: Int
    /// Nil until the layer is prepared (shape inference does not need them).
    let values: [Float]?

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        guard inputs.count == 1, let s = inputs.first, s.count == 4 else {
            throw LayerError("BN-and-pad expects one [N, C, H, W] input")
        }
        if let values, values.count != s[1] {
            throw LayerError("BN-and-pad over \(values.count) channels receives \(s[1])")
        }
        let (h, o1) = s[2].addingReportingOverflow(2 * pixels)
        let (w, o2) = s[3].addingReportingOverflow(2 * pixels)
        guard !o1, !o2 else { throw LayerError("padding \(Shape.text(s)) by \(pixels) overflows") }
        return [s[0], s[1], h, w]
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        let shape = try outputShape(inputs.map(\.shape))
        guard let values, let x = inputs.first else {
            throw LayerError("BN-and-pad values are not prepared: load weights or initialise them first")
        }
        let out = try LayerError.fromBackend { () throws(BackendError) in try Tensor.uninitialized(shape: shape) }
        let (c, h, w, ho, wo) = (shape[1], x.shape[2], x.shape[3], shape[2], shape[3])
        let p = pixels
        let src = SendableConstPointer(x.pointer), dst = SendablePointer(out.pointer)
        parallelFor(shape[0] * c, grain: max(1, 16384 / max(ho * wo, 1))) { planes in
            for plane in planes {
                let v = values[plane % c]
                let o = dst.p + plane * ho * wo, i = src.p + plane * h * w
                // Top and bottom bands, then each inner row: border, copied row, border.
                (o).update(repeating: v, count: p * wo)
                (o + (p + h) * wo).update(repeating: v, count: p * wo)
                for y in 0..<h {
                    let row = o + (p + y) * wo
                    row.update(repeating: v, count: p)
                    (row + p).update(from: i + y * w, count: w)
                    (row + p + w).update(repeating: v, count: p)
                }
            }
        }
        return out
    }
}

/// DiverseBranchBlock after reparameterisation: one k×k convolution with bias and the
/// block's activation in the convolution's epilogue.
///
/// Its shape rule and thop count are those of the module tree it replaces (the training
/// form's four branches, or the deployed form's single conv), so `info` gives Ultralytics'
/// numbers whichever way the block runs.
struct FusedDBBConvolution: CustomOperation {
    unowned let block: DiverseBranchBlock
    /// The folded kernel, packed once for the GEMM kernels.
    let weight: PackedConvWeight
    let bias: Tensor
    let options: Conv2DOptions
    let activation: Activation

    func outputShape(_ inputs: [[Int]]) throws(LayerError) -> [Int] {
        try block.referenceTrace(inputs).shape
    }

    func macs(_ inputs: [[Int]]) -> Int {
        (try? block.referenceTrace(inputs).macs) ?? 0
    }

    func run(_ inputs: [Tensor], context: ExecutionContext) throws(LayerError) -> Tensor {
        guard inputs.count == 1, let x = inputs.first else { throw LayerError("takes one input, got \(inputs.count)") }
        let workspace = try context.workspace()
        return try context.backend("DiverseBranchBlock folded conv") { () throws(BackendError) in
            try ZooCPU.conv2d(x, packed: weight, bias: bias, options: options, epilogue: .activation(activation),
                              workspace: workspace)
        }
    }
}
