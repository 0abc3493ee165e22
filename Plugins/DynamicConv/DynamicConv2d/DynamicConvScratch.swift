import LayerZoo
import ZooCPU

/// Scratch memory of a dynamic convolution call, in three slots of the execution context: the
/// batch's aggregated kernels, their biases, and the convolution's column buffer. Contents
/// live only during one call, so every Dynamic_conv2d of a model shares the backend's slots
/// and a pass allocates nothing after the first.
struct DynamicConvScratch {
    private let weightSlot: Workspace
    private let biasSlot: Workspace
    /// im2col buffer for the convolution.
    let workspace: Workspace

    init(_ context: ExecutionContext) throws(LayerError) {
        weightSlot = try context.workspace(1)
        biasSlot = try context.workspace(2)
        workspace = try context.workspace(0)
    }

    /// Storage for at least `count` floats of aggregated kernels (contents undefined).
    func weights(_ count: Int) throws(BackendError) -> TensorStorage { try weightSlot.storage(count) }

    /// Storage for at least `count` floats of aggregated biases (contents undefined).
    func biases(_ count: Int) throws(BackendError) -> TensorStorage { try biasSlot.storage(count) }
}
