import Foundation
import ZooKernels

/// Process-wide backend settings. Reads and writes are serialised by a lock, so they can be
/// changed from any thread; kernels read them once per call.
public enum ZooCPUSettings {
    private struct Values {
        var forceSwiftGEMM = false
        var portableKernels = false
        var winograd = true
        var winogradMinimumChannels = 16
        var winogradMinimumTiles = 16
        var winogradSmallTileMinimumSaving = 8 << 20
        var convBandBytes = 192 << 10
        var forcedConvBandRows = 0
        var threadCount = AvailableCores.count
        var maxTensorBytes = 4 << 30
        var bufferCacheBytes = 512 << 20
        var fusesResidualAdds = true
        var mergesSiblingConvolutions = false
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var values = Values()

    /// When true, `sgemm` uses the plain-Swift kernel even if a BLAS is linked (for tests).
    public static var forceSwiftGEMM: Bool {
        get { lock.withLock { values.forceSwiftGEMM } }
        set { lock.withLock { values.forceSwiftGEMM = newValue } }
    }

    /// When true, convolutions use the plain-C micro-kernels even where the AVX2 + FMA ones
    /// run (for tests that compare the two).
    public static var portableKernels: Bool {
        get { lock.withLock { values.portableKernels } }
        set { lock.withLock { values.portableKernels = newValue } }
    }

    /// When true (the default), 3×3 stride-1 convolutions run as Winograd F(4×4, 3×3);
    /// false runs them as direct GEMMs like every other convolution.
    public static var winograd: Bool {
        get { lock.withLock { values.winograd } }
        set { lock.withLock { values.winograd = newValue } }
    }

    /// Input channels from which a suitable 3×3 convolution uses Winograd (default 16; at 8
    /// the transforms cost as much as they save).
    public static var winogradMinimumChannels: Int {
        get { lock.withLock { values.winogradMinimumChannels } }
        set { lock.withLock { values.winogradMinimumChannels = max(1, newValue) } }
    }

    /// Output tiles (4×4 each) an image needs for a suitable 3×3 convolution to use Winograd
    /// (default 16, one micro-kernel panel: below it Winograd does as many multiplications as a
    /// direct GEMM, on weights four times the size).
    public static var winogradMinimumTiles: Int {
        get { lock.withLock { values.winogradMinimumTiles } }
        set { lock.withLock { values.winogradMinimumTiles = max(1, newValue) } }
    }

    /// Floats of transformed weights F(2×2, 3×3) must save over F(4×4, 3×3) for a
    /// weight-bound 3×3 convolution to use it (default 8 Mi, 32 MB: F(2×2) measured 1.75× the
    /// time of F(4×4) on yolov3-tiny's 20×20 layers, so it goes only where it saves that much;
    /// see `ConvGeometry.winogradTile`); 0 lets every weight-bound one use it (for tests).
    public static var winogradSmallTileMinimumSaving: Int {
        get { lock.withLock { values.winogradSmallTileMinimumSaving } }
        set { lock.withLock { values.winogradSmallTileMinimumSaving = max(0, newValue) } }
    }

    /// Bytes of rearranged (padded, phase-split) input per band of output rows for GEMM
    /// convolutions on two or more threads whose whole rearranged input is larger (default
    /// 192 KiB, so that a band stays in a 512 KiB L2 beside the weights while its panels run);
    /// 0 rearranges every input whole before the GEMM.
    public static var convBandBytes: Int {
        get { lock.withLock { values.convBandBytes } }
        set { lock.withLock { values.convBandBytes = max(0, newValue) } }
    }

    /// Output rows per band for every GEMM convolution that rearranges its input, whatever its
    /// size (0, the default: chosen per convolution); for tests of the banded path.
    static var forcedConvBandRows: Int {
        get { lock.withLock { values.forcedConvBandRows } }
        set { lock.withLock { values.forcedConvBandRows = max(0, newValue) } }
    }

    /// When true (the default), a residual add right after a convolution (Bottleneck's
    /// `x + cv2(cv1(x))`) runs in the convolution's store path (`conv2d(_:packed:adding:)`);
    /// false runs it as a separate elementwise pass (for tests comparing the two).
    public static var fusesResidualAdds: Bool {
        get { lock.withLock { values.fusesResidualAdds } }
        set { lock.withLock { values.fusesResidualAdds = newValue } }
    }

    /// When true, convolutions that read one tensor with one geometry (C3's `cv1` and `cv2`)
    /// run as one GEMM (`SiblingConvWeights`); false (the default until it is measured to pay
    /// on a quiet machine: on a loaded one YOLOv5n looked a few percent slower on one thread
    /// and its peak 4 MB higher) runs each alone.
    public static var mergesSiblingConvolutions: Bool {
        get { lock.withLock { values.mergesSiblingConvolutions } }
        set { lock.withLock { values.mergesSiblingConvolutions = newValue } }
    }

    /// True when this CPU runs the AVX2 + FMA convolution kernels.
    public static var hasVectorKernels: Bool { zk_has_avx2() != 0 }

    /// Threads used by the backend's own loops (default: `AvailableCores.count`), large BLAS
    /// products included (OpenBLAS itself stays single-threaded; see `BLASSplit`). Not capped
    /// here (tests run more threads than cores on purpose); command lines cap it with a note.
    public static var threadCount: Int {
        get { lock.withLock { values.threadCount } }
        set {
            let n = max(1, newValue)
            lock.withLock { values.threadCount = n }
            BLAS.setThreadCount(n)
        }
    }

    /// Largest single tensor, in bytes, that the backend will allocate (default 4 GiB).
    /// Readers refuse larger tensors before allocating anything.
    public static var maxTensorBytes: Int {
        get { lock.withLock { values.maxTensorBytes } }
        set { lock.withLock { values.maxTensorBytes = max(0, newValue) } }
    }

    /// Most bytes of freed tensor memory kept for reuse by later tensors of the same size
    /// (default 512 MiB; 0 turns the reuse off). Lowering it does not free what is held:
    /// call `releaseCachedBuffers()`.
    public static var bufferCacheBytes: Int {
        get { lock.withLock { values.bufferCacheBytes } }
        set { lock.withLock { values.bufferCacheBytes = max(0, newValue) } }
    }

    /// Frees the tensor memory held for reuse.
    public static func releaseCachedBuffers() { BufferCache.purge() }

    /// Puts every setting back to its default (tests that try other kernel paths end with it).
    public static func restoreDefaults() { lock.withLock { values = Values() } }

    /// Bytes of freed tensor memory currently held for reuse.
    public static var cachedBufferBytes: Int { BufferCache.bytesHeld }

    /// True when sgemm is served by OpenBLAS or Accelerate in this build.
    public static var hasBLAS: Bool { BLAS.isAvailable }
}
