import ZooKernels

/// How many images of a batch one convolution GEMM computes together, their columns side by
/// side (`zk_conv_desc.images`), instead of one GEMM per image.
///
/// A small map (a classifier's 7×7 at 224: four column panels) run image by image streams the
/// whole weight matrix (up to 1.3 MB, beyond L2) once per image for 49 columns, pays a parallel
/// region per image and computes a mostly empty last panel each time. Folded, the images share
/// every weight panel while it is in cache, their columns fill the panels end to end, and the
/// batch is one region. Larger maps have columns enough and keep one GEMM per image.
enum ConvBatchFold {
    /// Maps of fewer column panels than this (128 columns: 7×7 and 10×10; a 14×14 has 13)
    /// are folded.
    static let smallImagePanels = 8

    /// Column panels a folded GEMM aims at (four tasks a thread on two threads, each of several
    /// panels).
    static let foldedPanels = 32

    /// Most floats of rearranged (padded, phase-split) input a folded call prepares at once.
    static let maxPreparedFloats = 1 << 20

    /// Images per GEMM call for a batch of `images` whose maps have `imageColumns` virtual
    /// columns each; `inputStride` and `outputStride` are the floats from one image's B rows
    /// (its rearranged input when `prepared`) and output to the next's. One when folding does
    /// not pay or the folded offsets would pass the kernel's 32-bit indices.
    static func imagesPerCall(images: Int, imageColumns: Int, inputStride: Int, outputStride: Int,
                              prepared: Bool) -> Int {
        let imagePanels = (imageColumns + Int(ZK_NR) - 1) / Int(ZK_NR)
        guard images > 1, imagePanels > 0, imagePanels < smallImagePanels else { return 1 }
        var fold = min(images, max(1, foldedPanels / imagePanels))
        if prepared { fold = min(fold, max(1, maxPreparedFloats / max(inputStride, 1))) }
        let limit = Int(Int32.max)
        while fold > 1, (ShapeMath.multiply(fold, max(inputStride, outputStride)) ?? Int.max) > limit
                || (ShapeMath.multiply(fold, imageColumns) ?? Int.max) > limit {
            fold /= 2
        }
        return fold
    }
}
