import LayerZoo
import ZooCPU

// The core loads weights from a SafeTensorsFile; until it takes any `TensorSource` (issue 17),
// this is the same matching for a checkpoint's state_dict.

extension Model {
    /// Loads `source`, whose keys are the PyTorch state_dict keys of the equivalent
    /// Ultralytics model. Every missing, unexpected or mis-shaped tensor is reported, by name,
    /// before any value is set; `num_batches_tracked` may be present or absent.
    public func loadWeights(_ source: any TensorSource) throws(WeightLoadError) {
        let tensors = namedTensors()
        var mismatch = WeightMismatch(file: source.path, missing: [], unexpected: [], misshaped: [])
        let known = Set(tensors.map(\.key))
        for info in source.tensorInfos where !known.contains(info.name) {
            mismatch.unexpected.append(info.name)
        }
        var wanted: [(key: String, parameter: Parameter)] = []
        for (key, parameter) in tensors {
            let optional = key.hasSuffix("num_batches_tracked")
            guard let info = source.tensorInfo(key) else {
                if !optional { mismatch.missing.append(key) }
                continue
            }
            if optional { continue }
            if info.shape != parameter.shape || !info.dtype.isFloatingPoint {
                mismatch.misshaped.append((key, parameter.shape, info.shape))
            } else {
                wanted.append((key, parameter))
            }
        }
        guard mismatch.isEmpty else { throw .mismatch(mismatch) }
        for (key, parameter) in wanted {
            do {
                parameter.value = try source.tensor(key, expectedShape: parameter.shape)
            } catch {
                throw .file(error)
            }
        }
        try prepareForInference()
    }
}
