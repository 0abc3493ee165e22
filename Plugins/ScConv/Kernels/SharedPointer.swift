import LayerZoo
import ZooCPU

/// A tensor's elements as a pointer that `parallelFor` work items may capture. Each item
/// writes a disjoint part of the memory (or only reads), which is what makes sharing sound;
/// the tensor must outlive the loop (callers keep it in a local).
struct SharedPointer: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    init(_ tensor: Tensor) { p = tensor.pointer }
}

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
