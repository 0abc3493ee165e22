import ZooKernels

/// Output rows per band when `gemmConv2D` should rearrange its input band by band
/// (`zk_conv_bands_run`), or 0 when it rearranges the whole input first: bands can pay when the
/// whole rearranged input (`preparedCount` floats) is larger than one band of
/// `ZooCPUSettings.convBandBytes`, i.e. would not stay in cache until the GEMM reads it, and
/// `zk_band_rows` picks a band height that wastes few tile columns (or none that pays). On one
/// thread the whole input goes first: there the one streaming pass measured faster (yolo11n's
/// stride-2 convs 0.95–1.27× the time in bands, against 0.78–1.06× on two threads).
func convBandRows(_ geometry: zk_conv_geometry, preparedCount: Int, threads: Int) -> Int {
    let forced = ZooCPUSettings.forcedConvBandRows
    if forced > 0 { return min(forced, Int(geometry.out_h)) }
    let bandBytes = ZooCPUSettings.convBandBytes
    guard threads > 1, bandBytes > 0, preparedCount > bandBytes / MemoryLayout<Float>.stride else { return 0 }
    var g = geometry
    return Int(zk_band_rows(&g, bandBytes, Int32(clamping: threads)))
}

/// Floats of workspace the bands of `bandRows` rows need: one band for each of `threads` workers.
func convBandScratchCount(_ geometry: zk_conv_geometry, bandRows: Int, threads: Int) -> (perWorker: Int, total: Int)? {
    var g = geometry
    let perWorker = zk_band_scratch_count(&g, Int32(bandRows))
    guard perWorker <= Int(Int32.max),
          let total = ShapeMath.multiply(Int(perWorker), threads) else { return nil }
    return (Int(perWorker), total)
}

/// Runs the GEMM `desc` (its `input` unused) over `x`, the group's input, band by band: each
/// of up to `threads` workers takes the next band of output rows, rearranges that band's input into its own
/// `perWorker` floats of `scratch` and computes its panels while the band is in cache.
func runConvBands(_ desc: zk_conv_desc, geometry: zk_conv_geometry, input x: UnsafePointer<Float>, bandRows: Int,
                  scratch: UnsafeMutablePointer<Float>, perWorker: Int, threads: Int, portable: Int32) {
    var bands = zk_band_desc()
    bands.geometry = geometry
    bands.input = x
    bands.conv = desc
    bands.band_rows = Int32(bandRows)
    let workers = min(threads, Int(zk_band_count(&bands)))
    guard workers > 0 else { return }
    runWorkersSharingCounter(workers, desc: &bands, scratch: scratch, perWorker: perWorker) { d, s, counter in
        zk_conv_bands_run(d, s, counter, portable)
    }
}
