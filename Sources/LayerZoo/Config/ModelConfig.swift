/// One `[from, repeats, module, args]` row of a model file, as written.
public struct LayerRow: Sendable {
    /// Position in backbone + head (the layer index Ultralytics prints).
    public var index: Int
    /// Where the row starts.
    public var location: SourceLocation
    /// `from` as written: one index or a list (negative = relative).
    public var from: [Int]
    /// True when `from` was written as a list (even of one element).
    public var fromIsList: Bool
    public var fromLocation: SourceLocation
    public var repeats: Int
    public var repeatsLocation: SourceLocation
    public var module: String
    public var moduleLocation: SourceLocation
    /// Arguments after PyYAML resolution, before `literal_eval` and channel rules.
    public var args: [ArgValue]
    public var argLocations: [SourceLocation]
    public var argsLocation: SourceLocation
    /// True when the row itself could not be read; it keeps its index so later rows keep theirs.
    public var isMalformed: Bool = false

    static func malformed(index: Int, at location: SourceLocation) -> LayerRow {
        LayerRow(index: index, location: location, from: [-1], fromIsList: false, fromLocation: location,
                 repeats: 1, repeatsLocation: location, module: "", moduleLocation: location, args: [],
                 argLocations: [], argsLocation: location, isMalformed: true)
    }
}

/// A scale entry `n: [depth, width, max_channels]`.
public struct ModelScale: Sendable, Hashable {
    public var name: String
    public var depth: Double
    public var width: Double
    public var maxChannels: Double
}

/// A model file's content with every value's location: the input of `ModelBuilder`.
public struct ModelConfig: Sendable {
    public var file: String
    public var root: ConfigNode
    public var nc: Int?
    public var scales: [ModelScale]
    public var scalesLocation: SourceLocation?
    public var depthMultiple: Double
    public var widthMultiple: Double
    /// The `activation` spelling and where it is, when the file sets one.
    public var activation: (text: String, location: SourceLocation)?
    /// Input image channels (`channels`, default 3).
    public var inputChannels: Int
    public var regMax: Int
    public var end2end: Bool
    public var layers: [LayerRow]
    /// `layerzoo_variants:` — which definition of a module name with several the file means
    /// (`{C2f_DynamicConv: dynamic-conv2d}`); LayerZoo's own key, which Ultralytics ignores.
    /// `--define` on the command line overrides it.
    public var variants: [String: String] = [:]
    /// Which parse_model the file is written for (`ModelDialect.of`), and where its `anchors` key is.
    public var dialect: ModelDialect = .ultralytics
    public var dialectLocation: SourceLocation?
    /// YOLOv5 dialect: the `anchors` value (a list per level, or the number of anchors per level).
    public var anchors: ArgValue?
    /// YOLOv5 dialect: `channel_multiple`, the divisor of scaled widths (8 unless set).
    public var channelMultiple: Int = 8
}

extension ModelConfig {
    /// Top-level keys Ultralytics reads for detection models (`text_model`: the YOLOE-26 text
    /// encoder, which LayerZoo replaces with given embeddings), and what else may appear harmlessly.
    static let knownKeys: Set<String> = [
        "nc", "scales", "depth_multiple", "width_multiple", "activation", "backbone", "head",
        "channels", "ch", "reg_max", "end2end", "kpt_shape", "scale", "yaml_file", "names", "text_model", variantsKey,
    ]

    /// LayerZoo's own top-level key naming the variants a file means.
    public static let variantsKey = "layerzoo_variants"

    /// Most repeats a row may ask for; every repeat is a module built in memory.
    public static let maxRepeats = 1000

    /// Reads a model mapping, collecting every problem found instead of stopping at the first.
    public static func parse(_ root: ConfigNode, file: String, diagnostics: inout [Diagnostic]) -> ModelConfig? {
        guard let pairs = root.mapping else {
            diagnostics.append(.error("expected a mapping with 'backbone' and 'head' at the top level, found \(root.kindName)",
                                      at: root.location))
            return nil
        }
        var seen: [String: SourceLocation] = [:]
        let (dialect, dialectLocation) = ModelDialect.of(root)
        let known = dialect == .yolov5 ? knownKeys.union(ModelDialect.yolov5Keys) : knownKeys
        for (key, _) in pairs {
            guard case .string(let name)? = key.scalar else {
                diagnostics.append(.error("top-level keys must be names, found \(key.kindName)", at: key.location))
                continue
            }
            seen[name] = key.location
            if !known.contains(name) {
                diagnostics.append(.warning("unknown top-level key '\(name)' is ignored", at: key.location))
            }
        }
        let rootLocation = root.location
        var config = ModelConfig(file: file, root: root, nc: nil, scales: [], scalesLocation: nil,
                                 depthMultiple: 1, widthMultiple: 1, activation: nil, inputChannels: 3,
                                 regMax: 16, end2end: false, layers: [])
        config.dialect = dialect
        config.dialectLocation = dialectLocation
        if dialect == .yolov5 {
            parseYOLOv5Keys(root, into: &config, diagnostics: &diagnostics)
        }

        if let node = root[variantsKey] {
            if let pairs = node.mapping {
                for (key, value) in pairs {
                    guard case .string(let name)? = key.scalar, case .string(let variant)? = value.scalar else {
                        diagnostics.append(.error("'\(variantsKey)' maps module names to variant names (C2f_DBB: conv-dbb), found \(key.kindName): \(value.kindName)",
                                                  at: key.location))
                        continue
                    }
                    config.variants[name] = variant
                }
            } else {
                diagnostics.append(.error("'\(variantsKey)' must be a mapping of module names to variant names (C2f_DBB: conv-dbb), found \(node.kindName)",
                                          at: node.location))
            }
        }

        if let node = root["nc"] {
            if case .int(let nc)? = node.scalar, nc >= 1 {
                config.nc = nc
            } else {
                diagnostics.append(.error("'nc' must be a positive integer (the number of classes), found \(node.kindName)",
                                          at: node.location))
            }
        }
        for (key, path) in [("depth_multiple", \ModelConfig.depthMultiple), ("width_multiple", \ModelConfig.widthMultiple)] {
            guard let node = root[key] else { continue }
            if case .bool? = node.scalar {
                diagnostics.append(.error("'\(key)' must be a positive number, found a boolean", at: node.location))
            } else if let v = node.scalar?.numberValue, v > 0, v.isFinite {
                config[keyPath: path] = v
            } else {
                diagnostics.append(.error("'\(key)' must be a positive number, found \(node.kindName)", at: node.location))
            }
        }
        if let node = root["scales"], dialect == .yolov5 {
            diagnostics.append(.warning("'scales' is ignored in the YOLOv5 dialect, whose parse_model reads depth_multiple and width_multiple",
                                        at: seen["scales"] ?? node.location))
        } else if let node = root["scales"] {
            config.scalesLocation = seen["scales"] ?? node.location
            parseScales(node, into: &config, diagnostics: &diagnostics)
        }
        if let node = root["activation"] {
            if case .string(let text)? = node.scalar {
                config.activation = (text, node.location)
            } else if node.scalar != ArgValue.none {
                diagnostics.append(.error("'activation' must be a string such as 'nn.ReLU()', found \(node.kindName)",
                                          at: node.location))
            }
        }
        for key in ["channels", "ch"] {
            guard let node = root[key] else { continue }
            if case .int(let c)? = node.scalar, c >= 1, c <= 4096 {
                config.inputChannels = c
            } else {
                diagnostics.append(.error("'\(key)' must be the number of input image channels (1 to 4096), found \(node.kindName)",
                                          at: node.location))
            }
        }
        if let node = root["reg_max"] {
            if case .int(let r)? = node.scalar, r >= 1, r <= 256 {
                config.regMax = r
            } else {
                diagnostics.append(.error("'reg_max' must be an integer from 1 to 256, found \(node.kindName)", at: node.location))
            }
        }
        if let node = root["end2end"] {
            switch node.scalar {
            case .bool(let b)?: config.end2end = b
            case .none?: break
            default: diagnostics.append(.error("'end2end' must be True or False, found \(node.kindName)", at: node.location))
            }
        }

        var rows: [ConfigNode] = []
        for section in ["backbone", "head"] {
            guard let node = root[section] else {
                diagnostics.append(.error("missing '\(section)': a model needs a list of [from, repeats, module, args] layers under '\(section)'",
                                          at: rootLocation))
                continue
            }
            guard let items = node.sequence else {
                diagnostics.append(.error("'\(section)' must be a list of [from, repeats, module, args] layers, found \(node.kindName)",
                                          at: node.location))
                continue
            }
            rows.append(contentsOf: items)
        }
        if rows.isEmpty, root["backbone"] != nil, root["head"] != nil {
            diagnostics.append(.error("the model has no layers: 'backbone' and 'head' are both empty", at: rootLocation))
        }
        for (index, node) in rows.enumerated() {
            config.layers.append(parseRow(node, index: index, diagnostics: &diagnostics)
                                 ?? .malformed(index: index, at: node.location))
        }
        return config
    }

    /// The YOLOv5 repository's `parse_model` reads `d["anchors"]`, `d["depth_multiple"]` and
    /// `d["width_multiple"]` unconditionally (a KeyError without them) and `channel_multiple`
    /// when set.
    private static func parseYOLOv5Keys(_ root: ConfigNode, into config: inout ModelConfig, diagnostics: inout [Diagnostic]) {
        config.anchors = root[ModelDialect.anchorsKey]?.value
        if config.anchors == nil, let node = root[ModelDialect.anchorsKey] {
            diagnostics.append(.error("'anchors' must be a list of [w, h, w, h, ...] per output level or the number of anchors per level, found \(node.kindName)",
                                      at: node.location))
        }
        for key in ["depth_multiple", "width_multiple"] where root[key] == nil {
            diagnostics.append(.error("a YOLOv5-dialect file (it has 'anchors' and passes them to a layer) needs '\(key)', which that repository's parse_model reads",
                                      at: config.dialectLocation ?? root.location,
                                      notes: [.init("add e.g. depth_multiple: 0.33 and width_multiple: 0.25 (yolov5n), or remove 'anchors' for an anchor-free Ultralytics file")]))
        }
        if let node = root["channel_multiple"], node.scalar != ArgValue.none {
            if case .int(let c)? = node.scalar, (1...1024).contains(c) {
                config.channelMultiple = c
            } else {
                diagnostics.append(.error("'channel_multiple' must be an integer from 1 to 1024 (the divisor of scaled widths), found \(node.kindName)",
                                          at: node.location))
            }
        }
    }

    private static func parseScales(_ node: ConfigNode, into config: inout ModelConfig, diagnostics: inout [Diagnostic]) {
        guard let pairs = node.mapping else {
            if node.scalar != ArgValue.none {
                diagnostics.append(.error("'scales' must map a scale name to [depth, width, max_channels], found \(node.kindName)",
                                          at: node.location))
            }
            return
        }
        for (key, value) in pairs {
            let name: String
            switch key.scalar {
            case .string(let s)?: name = s
            case .int(let i)?: name = String(i)
            default:
                diagnostics.append(.error("a scale name must be a letter such as 'n', found \(key.kindName)", at: key.location))
                continue
            }
            guard let items = value.sequence, items.count == 3,
                  let depth = items[0].scalar?.numberValue, let width = items[1].scalar?.numberValue,
                  let maxChannels = items[2].scalar?.numberValue,
                  depth > 0, width > 0, maxChannels >= 1, depth.isFinite, width.isFinite, maxChannels.isFinite else {
                diagnostics.append(.error("scale '\(name)' must be [depth, width, max_channels] with positive numbers, found \(value.kindName)",
                                          at: value.location))
                continue
            }
            config.scales.append(ModelScale(name: name, depth: depth, width: width, maxChannels: maxChannels))
        }
    }

    private static func parseRow(_ node: ConfigNode, index: Int, diagnostics: inout [Diagnostic]) -> LayerRow? {
        guard let items = node.sequence else {
            diagnostics.append(.error("layer \(index): expected [from, repeats, module, args], found \(node.kindName)",
                                      at: node.location))
            return nil
        }
        guard items.count == 4 else {
            diagnostics.append(.error("layer \(index): expected 4 entries [from, repeats, module, args], found \(items.count)",
                                      at: node.location))
            return nil
        }
        var ok = true
        var from: [Int] = []
        var fromIsList = false
        switch items[0].kind {
        case .scalar(.int(let f)):
            from = [f]
        case .sequence(let list):
            fromIsList = true
            for item in list {
                if case .int(let f)? = item.scalar { from.append(f) } else {
                    diagnostics.append(.error("layer \(index): 'from' entries must be layer indices, found \(item.kindName)",
                                              at: item.location))
                    ok = false
                }
            }
            if list.isEmpty {
                diagnostics.append(.error("layer \(index): 'from' is an empty list", at: items[0].location))
                ok = false
            }
        default:
            diagnostics.append(.error("layer \(index): 'from' must be a layer index or a list of them, found \(items[0].kindName)",
                                      at: items[0].location))
            ok = false
        }
        var repeats = 1
        if case .int(let n)? = items[1].scalar, (1...maxRepeats).contains(n) {
            repeats = n
        } else {
            diagnostics.append(.error("layer \(index): 'repeats' must be an integer from 1 to \(maxRepeats), found \(items[1].scalar.map(\.description) ?? items[1].kindName)",
                                      at: items[1].location))
            ok = false
        }
        var module = ""
        if case .string(let m)? = items[2].scalar, !m.isEmpty {
            module = m
        } else {
            diagnostics.append(.error("layer \(index): 'module' must be a layer name such as Conv, found \(items[2].kindName)",
                                      at: items[2].location))
            ok = false
        }
        var args: [ArgValue] = []
        var argLocations: [SourceLocation] = []
        if let list = items[3].sequence {
            for item in list {
                guard let v = item.value else {
                    diagnostics.append(.error("layer \(index): arguments cannot be mappings", at: item.location))
                    ok = false
                    continue
                }
                args.append(v)
                argLocations.append(item.location)
            }
        } else if items[3].scalar == ArgValue.none {
            // `[]` written as nothing: PyYAML gives None and parse_model would fail iterating it.
            diagnostics.append(.error("layer \(index): 'args' must be a list (write [] for none)", at: items[3].location))
            ok = false
        } else {
            diagnostics.append(.error("layer \(index): 'args' must be a list, found \(items[3].kindName)", at: items[3].location))
            ok = false
        }
        guard ok else { return nil }
        return LayerRow(index: index, location: node.location, from: from, fromIsList: fromIsList,
                        fromLocation: items[0].location, repeats: repeats, repeatsLocation: items[1].location,
                        module: module, moduleLocation: items[2].location, args: args, argLocations: argLocations,
                        argsLocation: items[3].location)
    }
}
