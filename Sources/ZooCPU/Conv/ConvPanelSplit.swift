import ZooKernels

/// How the tiles of one convolution GEMM (`weightPanels` ZK_MR-row panels of weights by
/// `columnPanels` ZK_NR-wide column panels) are shared out as tasks: the columns cut into
/// `columnChunks` runs and the weight panels into `rowChunks` runs, one task per pair.
///
/// A large map has panels to spare and splits only its columns (each task then packs its own
/// columns once and reads all the weights). A small map (fewer than four column panels per
/// thread: a classifier's 7×7 at 224 has four) cut into one panel per task would have every
/// task stream the whole weight matrix (up to 1.3 MB, beyond L2) for 16 columns, so it is cut
/// along the weights too, at the split whose tasks read the fewest weights and columns.
struct ConvPanelSplit: Equatable {
    let rowChunks: Int
    let columnChunks: Int

    /// Column panels from which a map splits its columns only: four tasks per thread, the
    /// share `parallelFor` hands out.
    static func columnOnlyPanels(threads: Int) -> Int { 4 * threads }

    /// Multiply-adds below which a task is not worth handing to another thread (a parallel
    /// region costs a few microseconds; this is some 20 µs of work).
    static let minimumTaskWork = 1 << 17

    /// The fewest column panels worth a task when each runs all the weight panels
    /// (`panelWork` multiply-adds per column panel).
    private static func grain(panelWork: Int) -> Int { max(1, minimumTaskWork / max(panelWork, 1)) }

    /// The split for `threads` threads; `panelWork` is the multiply-adds of one column panel
    /// over all the weight panels. A GEMM of less than two tasks' work runs as one task.
    /// `imagePanels`: the column panels of one image when the GEMM holds several small ones
    /// (`ConvBatchFold`); their weights are as costly to stream as one small image's, so the
    /// split is chosen as for a small map.
    static func choose(columnPanels: Int, weightPanels: Int, panelWork: Int, threads: Int,
                       imagePanels: Int? = nil) -> ConvPanelSplit {
        let single = ConvPanelSplit(rowChunks: 1, columnChunks: 1)
        guard threads > 1, columnPanels > 0, weightPanels > 0 else { return single }
        if min(columnPanels, imagePanels ?? columnPanels) >= columnOnlyPanels(threads: threads) || weightPanels == 1 {
            let tasks = min(4 * threads, columnPanels / grain(panelWork: panelWork))
            return ConvPanelSplit(rowChunks: 1, columnChunks: max(1, tasks))
        }
        let work = ShapeMath.multiply(columnPanels, panelWork) ?? Int.max
        let wanted = min(2 * threads, work / minimumTaskWork, weightPanels * columnPanels)
        guard wanted > 1 else { return single }
        // Two tasks per thread (balance on shared cores), each reading its rows' weights once
        // for all its columns, and packing its columns once for all its rows (unless it has
        // so few rows that the kernel reads the columns in place): minimise the sum.
        var best = single
        var bestCost = Int.max
        for rows in 1...min(weightPanels, wanted) {
            let columns = min(columnPanels, (wanted + rows - 1) / rows)
            guard rows * columns >= wanted else { continue }
            let inPlace = (weightPanels + rows - 1) / rows <= Int(ZK_IN_PLACE_PANELS)
            let cost = columns * weightPanels * Int(ZK_MR) + (inPlace ? 0 : rows * columnPanels * Int(ZK_NR))
            if cost < bestCost {
                best = ConvPanelSplit(rowChunks: rows, columnChunks: columns)
                bestCost = cost
            }
        }
        return best
    }

    var tasks: Int { rowChunks * columnChunks }

    /// Task `t`'s weight panels and column panels.
    func ranges(task t: Int, weightPanels: Int, columnPanels: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let r = t / columnChunks, c = t % columnChunks
        return (weightPanels * r / rowChunks..<weightPanels * (r + 1) / rowChunks,
                columnPanels * c / columnChunks..<columnPanels * (c + 1) / columnChunks)
    }
}

/// Computes every output tile of `desc` on the worker pool, split as `ConvPanelSplit` says (a
/// split of one task runs inline on the caller).
func runConvPanels(_ desc: zk_conv_desc, portable: Int32) {
    var probe = desc
    let panels = Int(zk_panel_count(&probe))
    let weightPanels = (Int(desc.m) + Int(ZK_MR) - 1) / Int(ZK_MR)
    let panelWork = ShapeMath.multiply(Int(desc.m) * Int(ZK_NR), Int(desc.k)) ?? Int.max
    let threads = ZooCPUSettings.threadCount
    let imageColumns = Int(desc.out_h - 1) * Int(desc.virtual_w) + Int(desc.out_w)
    let split = ConvPanelSplit.choose(columnPanels: panels, weightPanels: weightPanels, panelWork: panelWork,
                                      threads: threads,
                                      imagePanels: desc.images > 1 ? (imageColumns + Int(ZK_NR) - 1) / Int(ZK_NR) : nil)
    let shared = SendableKernelArguments(desc)
    runTasks(threads: threads, count: split.tasks) { t in
        let (rows, columns) = split.ranges(task: t, weightPanels: weightPanels, columnPanels: panels)
        guard !rows.isEmpty, !columns.isEmpty else { return }
        var d = shared.value
        d.panel_first = Int32(rows.lowerBound)
        d.panel_last = Int32(rows.upperBound)
        zk_conv_panels(&d, Int32(columns.lowerBound), Int32(columns.upperBound), portable)
    }
}
