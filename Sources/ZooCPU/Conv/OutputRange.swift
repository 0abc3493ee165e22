/// Valid output positions `lo..<hi` along one axis for kernel offset `offset`
/// (input index = out * stride + offset must lie in `0..<size`).
@inline(__always)
func validOutputRange(offset: Int, stride: Int, size: Int, outSize: Int) -> (Int, Int) {
    let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let last = size - 1 - offset
    let hi = last < 0 ? 0 : last / stride + 1
    return (min(lo, outSize), min(max(hi, lo), outSize))
}
