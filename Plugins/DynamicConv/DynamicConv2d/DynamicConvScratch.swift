import Foundation
import LayerZoo
import ZooCPU

/// Scratch memory of a dynamic convolution call: the batch's aggregated kernels and biases,
/// and the convolution's column buffer. Contents live only during one call, so the buffers
/// are pooled and shared by every Dynamic_conv2d in the process instead of each layer keeping
/// its own: a model run on one thread settles on one set, sized for its largest layer, and
/// allocates nothing more after the first pass. Concurrent calls each borrow their own set.
final class DynamicConvScratch: @unchecked Sendable {
    private var weightStorage: TensorStorage?
    private var biasStorage: TensorStorage?
    /// im2col buffer for the convolution.
    let workspace = Workspace()

    /// Storage for at least `count` floats of aggregated kernels (contents undefined).
    func weights(_ count: Int) throws(BackendError) -> TensorStorage {
        try Self.grow(&weightStorage, count)
    }

    /// Storage for at least `count` floats of aggregated biases (contents undefined).
    func biases(_ count: Int) throws(BackendError) -> TensorStorage {
        try Self.grow(&biasStorage, count)
    }

    private static func grow(_ storage: inout TensorStorage?, _ count: Int) throws(BackendError) -> TensorStorage {
        if let s = storage, s.capacity >= count { return s }
        storage = nil  // release the old buffer before allocating the larger one
        let s = try TensorStorage(count: count, zeroed: false)
        storage = s
        return s
    }

    /// The process-wide pool.
    static let pool = Pool()

    /// Lends scratch sets, one per concurrent call.
    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var idle: [DynamicConvScratch] = []

        /// Runs `body` with a scratch set no other call is using.
        func borrow<T>(_ body: (DynamicConvScratch) throws(LayerError) -> T) throws(LayerError) -> T {
            lock.lock()
            let scratch = idle.popLast() ?? DynamicConvScratch()
            lock.unlock()
            defer {
                lock.lock()
                idle.append(scratch)
                lock.unlock()
            }
            return try body(scratch)
        }
    }
}
