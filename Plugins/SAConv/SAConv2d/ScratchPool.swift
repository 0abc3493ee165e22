import Foundation
import ZooCPU

/// Column buffers for SAConv2d's two convolutions, shared across calls.
///
/// A custom operation cannot reach the CPU backend's own workspace, and a fresh one per
/// call would allocate (and fault in) the padded input or Winograd tiles every time. Workspaces
/// are borrowed from this pool and returned after the call, so concurrent forward passes
/// each get their own and the pool holds at most as many as ever ran at once.
enum ScratchPool {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Workspace] = []

    /// Runs `body` with a workspace no other call is using.
    static func withWorkspace<T, E: Error>(_ body: (Workspace) throws(E) -> T) throws(E) -> T {
        lock.lock()
        let workspace = free.popLast() ?? Workspace()
        lock.unlock()
        defer {
            lock.lock()
            free.append(workspace)
            lock.unlock()
        }
        return try body(workspace)
    }
}
