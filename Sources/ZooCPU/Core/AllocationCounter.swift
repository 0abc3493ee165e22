#if canImport(Glibc)
import Glibc
#endif

/// Counts the tensor buffers (`TensorStorage`) made on the calling thread while a body runs:
/// how a test holds a kernel to allocating nothing per call. Off, it costs one thread-specific
/// read per allocation.
enum AllocationCounter {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Tensor buffers made on this thread while `body` ran (nested counts add to the outer one too).
    static func counting<E: Error>(_ body: () throws(E) -> Void) throws(E) -> Int {
        let previous = pthread_getspecific(key)
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer {
            pthread_setspecific(key, previous)
            let made = counter.pointee
            counter.deallocate()
            if let previous { previous.assumingMemoryBound(to: Int.self).pointee += made }
        }
        pthread_setspecific(key, counter)
        try body()
        return counter.pointee
    }

    /// One buffer was made on this thread.
    @inline(__always) static func note() {
        pthread_getspecific(key)?.assumingMemoryBound(to: Int.self).pointee += 1
    }
}
