import LayerZoo
import ZooCPU

/// An output tensor whose every element the kernel writes; allocation failures (a size over
/// the backend's limit) become layer errors.
func uninitializedOutput(_ shape: [Int]) throws(LayerError) -> Tensor {
    do {
        return try Tensor.uninitialized(shape: shape)
    } catch {
        throw LayerError(error.description)
    }
}

/// Checks that a custom operation received `count` inputs of rank 4.
func nchwInputs(_ inputs: [[Int]], count: Int, _ what: String) throws(LayerError) {
    guard inputs.count == count, inputs.allSatisfy({ $0.count == 4 }) else {
        throw LayerError("\(what) expects \(count) [N, C, H, W] input\(count == 1 ? "" : "s"), got \(inputs.map(Shape.text))")
    }
}
