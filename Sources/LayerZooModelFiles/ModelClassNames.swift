import LayerZoo
import LayerZooVision

extension ClassNames {
    /// The class names a model brings: a checkpoint's list first (the YAML it holds rarely has
    /// them), then the model file's `names` (a list, or a mapping of index to name); missing
    /// ones read class0, class1, ...
    public init(checkpoint: [String]?, config: ModelConfig) {
        if let checkpoint, !checkpoint.isEmpty {
            self.init(Dictionary(uniqueKeysWithValues: checkpoint.enumerated().map { ($0.offset, $0.element) }))
            return
        }
        guard let node = config.root["names"] else {
            self.init()
            return
        }
        var names: [Int: String] = [:]
        if let items = node.sequence {
            for (i, item) in items.enumerated() {
                if case .string(let s)? = item.scalar { names[i] = s }
            }
        } else if let pairs = node.mapping {
            for (key, value) in pairs {
                guard case .int(let i)? = key.scalar else { continue }
                switch value.scalar {
                case .string(let s)?: names[i] = s
                case .int(let v)?: names[i] = String(v)
                default: continue
                }
            }
        }
        self.init(names)
    }
}
