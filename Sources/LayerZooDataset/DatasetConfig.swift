import Foundation
import LayerZoo

/// A data set YAML (`data.yaml`) read as Ultralytics' `check_det_dataset` reads it: `train` and
/// `val` required (`validation` accepted for `val`), `names` as a list or an index mapping, or
/// `nc` alone (`class_0`, `class_1`, ...), the two agreeing when both are given; split entries
/// are folders, image-list files or lists of either, relative to `path` (itself relative to the
/// working directory, else to the YAML's folder; default the YAML's folder). A `download` entry is
/// never run.
public struct DatasetConfig: Sendable {
    public var file: String
    public var root: String
    public var names: [Int: String]
    /// The split's image folders or list files, resolved, with where the YAML named them.
    public var splits: [String: [(path: String, location: SourceLocation)]]
    public var warnings: [Diagnostic]
    /// `kpt_shape` (pose data sets): keypoints per object and values per keypoint (2 or 3).
    public var keypointShape: [Int]?
    /// `kpt_oks_sigmas`, when the data set gives them.
    public var keypointSigmas: [Float]?

    public var classCount: Int { names.count }

    /// The largest data set YAML read (bytes).
    public static let maxBytes = 4 << 20

    public static func load(path given: String, split: String) throws(Diagnostic) -> DatasetConfig {
        let path = try findYAML(given)
        let start = SourceLocation(file: path, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .error("no data set YAML here", at: start, notes: [.init("expected a file such as data.yaml with 'train', 'val' and 'names'")])
        }
        guard isRegularFile(path) else { throw .error("not a regular file (a pipe or device is never read)", at: start) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maxBytes else { throw .error("file is \(size) bytes; data set YAMLs larger than \(maxBytes) bytes are refused", at: start) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .error("cannot read the file as UTF-8 text", at: start)
        }
        var limits = YAMLLoader.Limits()
        limits.maxBytes = maxBytes
        let root = try YAMLLoader(limits: limits).load(text, file: path)
        return try DatasetConfig(root: root, file: path, split: split)
    }

    /// A folder stands for the one YAML in it (Ultralytics' `find_dataset_yaml`): its `*.yaml`
    /// files, else those below it; several are narrowed to the one named like the folder.
    static func findYAML(_ path: String) throws(Diagnostic) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return path }
        let at = SourceLocation(file: path, line: 1, column: 1)
        let top = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".yaml") }
        var found = top.map { (path as NSString).appendingPathComponent($0) }
        if found.isEmpty, let walker = FileManager.default.enumerator(atPath: path) {
            var seen = 0
            while let item = walker.nextObject() as? String, seen < 100_000 {
                seen += 1
                if item.hasSuffix(".yaml") { found.append((path as NSString).appendingPathComponent(item)) }
            }
        }
        if found.count > 1 {
            let stem = (path as NSString).lastPathComponent
            found = found.filter { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension == stem }
        }
        guard found.count == 1, let only = found.first else {
            throw .error(found.isEmpty ? "no data set YAML (*.yaml) in this folder" : "several YAML files in this folder; give the data set's with --data",
                         at: at, notes: [.init("expected a file such as data.yaml with 'train', 'val' and 'names'")])
        }
        return only
    }

    init(root node: ConfigNode, file: String, split: String) throws(Diagnostic) {
        self.file = file
        warnings = []
        let top = node.location
        guard node.mapping != nil else {
            throw .error("expected a mapping with 'train', 'val' and 'names', found \(node.kindName)", at: top)
        }
        // Python's `data.get(key)` is falsy for None, "" and [] alike.
        func entry(_ key: String) -> ConfigNode? {
            guard let value = node[key], value.scalar != ArgValue.none, value.scalar != .string(""),
                  value.sequence.map({ !$0.isEmpty }) ?? true else { return nil }
            return value
        }
        var splitNodes: [String: ConfigNode] = [:]
        for key in ["train", "val", "test", "minival"] { splitNodes[key] = entry(key) }
        if node["val"] == nil, let validation = node["validation"] {
            warnings.append(.warning("renaming 'validation' to 'val' to match the YOLO format", at: validation.location))
            splitNodes["val"] = validation.scalar == ArgValue.none ? nil : validation
        }
        for key in ["train", "val"] where node[key] == nil && !(key == "val" && splitNodes["val"] != nil) {
            throw .error("'\(key):' key missing; 'train' and 'val' are required in all data YAMLs", at: top,
                         notes: [.init("expected e.g. '\(key): images/\(key)' (a folder, an image-list file or a list of them)")])
        }
        for (key, value) in splitNodes {
            var isString = false
            if case .string? = value.scalar { isString = true }
            if !isString && value.sequence == nil {
                throw .error("'\(key)' must be a string or a list of strings, found \(value.kindName)", at: value.location)
            }
        }
        guard splitNodes[split] != nil else {
            throw .error("'\(split):' images not found: the data YAML has no '\(split)' entry", at: top,
                         notes: [.init("its splits: " + splitNodes.keys.sorted().joined(separator: ", "))])
        }
        names = try Self.classNames(node, at: top)
        let base = (file as NSString).deletingLastPathComponent
        var rootPath = base.isEmpty ? "." : base
        if let p = entry("path") {
            guard case .string(let s)? = p.scalar else { throw .error("'path' must be a string, found \(p.kindName)", at: p.location) }
            if s.hasPrefix("/") || FileManager.default.fileExists(atPath: s) { rootPath = s } else { rootPath = (rootPath as NSString).appendingPathComponent(s) }
        }
        root = rootPath
        (keypointShape, keypointSigmas) = try Self.keypoints(node)
        var resolved: [String: [(String, SourceLocation)]] = [:]
        for (key, value) in splitNodes where key == split {
            var items: [(String, SourceLocation)] = []
            let entries = value.sequence ?? [value]
            for item in entries {
                guard case .string(let s)? = item.scalar else {
                    throw .error("'\(key)' entries must be strings, found \(item.kindName)", at: item.location)
                }
                var full = s.hasPrefix("/") ? s : (rootPath as NSString).appendingPathComponent(s)
                if value.sequence == nil, !FileManager.default.fileExists(atPath: full), s.hasPrefix("../") {
                    full = (rootPath as NSString).appendingPathComponent(String(s.dropFirst(3)))
                }
                guard FileManager.default.fileExists(atPath: full) else {
                    throw .error("'\(key)' images not found: missing path '\(full)'", at: item.location,
                                 notes: [.init("paths are relative to '\(rootPath)' (the data YAML's 'path', else its folder)")])
                }
                items.append(((full as NSString).standardizingPath, item.location))
            }
            resolved[key] = items
        }
        splits = resolved
    }

    /// `names` (list or mapping) and `nc`, checked as `check_det_dataset` and `check_class_names` check them.
    static func classNames(_ node: ConfigNode, at top: SourceLocation) throws(Diagnostic) -> [Int: String] {
        var count: Int?
        if let nc = node["nc"] {
            switch nc.scalar {
            case .int(let v)?: count = v
            case .float(let v)? where v == v.rounded() && abs(v) < 1e9: count = Int(v)
            case .string(let s)? where Double(s).map({ $0 == $0.rounded() && abs($0) < 1e9 }) == true: count = Int(Double(s) ?? 0)
            default: throw .error("'nc: \(nc.scalar?.description ?? nc.kindName)' must be an integer", at: nc.location)
            }
        }
        guard let namesNode = node["names"], namesNode.scalar != ArgValue.none else {
            guard let count else {
                throw .error("either 'names' or 'nc' is required in all data YAMLs", at: top,
                             notes: [.init("expected e.g. 'names: [person, car]' or 'names: {0: person, 1: car}'")])
            }
            guard (1...100_000).contains(count) else { throw .error("'nc' must be from 1 to 100000, got \(count)", at: node["nc"]?.location ?? top) }
            return Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, "class_\($0)") })
        }
        var names: [Int: String] = [:]
        if let items = namesNode.sequence {
            for (i, item) in items.enumerated() { names[i] = item.scalar.map(Self.text) ?? item.kindName }
        } else if let pairs = namesNode.mapping {
            for (key, value) in pairs {
                let index: Int?
                switch key.scalar {
                case .int(let i)?: index = i
                case .string(let s)?: index = Int(s)
                default: index = nil
                }
                guard let index, index >= 0 else {
                    throw .error("class indices in 'names' must be integers from 0, found \(key.kindName)", at: key.location)
                }
                names[index] = value.scalar.map(Self.text) ?? value.kindName
            }
        } else {
            throw .error("'names' must be a list or a mapping, found \(namesNode.kindName)", at: namesNode.location)
        }
        guard !names.isEmpty else { throw .error("0-class data set: 'names' needs at least one class", at: namesNode.location) }
        if let maxKey = names.keys.max(), maxKey >= names.count {
            throw .error("\(names.count)-class data set requires class indices 0-\(names.count - 1), found \(maxKey)",
                         at: namesNode.location)
        }
        if let count, count != names.count {
            throw .error("'names' length \(names.count) and 'nc: \(count)' must match", at: node["nc"]?.location ?? top)
        }
        return names
    }

    /// `kpt_shape: [K, 2 or 3]` and `kpt_oks_sigmas` (K positive numbers), as `PoseValidator` requires them.
    static func keypoints(_ node: ConfigNode) throws(Diagnostic) -> ([Int]?, [Float]?) {
        guard let shapeNode = node["kpt_shape"], shapeNode.scalar != ArgValue.none else { return (nil, nil) }
        var shape: [Int] = []
        for item in shapeNode.sequence ?? [] {
            guard case .int(let v)? = item.scalar else { shape = []; break }
            shape.append(v)
        }
        guard shape.count == 2, (1...10_000).contains(shape[0]), (2...3).contains(shape[1]) else {
            throw .error("'kpt_shape' must be [keypoints, 2 or 3] (e.g. [17, 3]), found \(shapeNode.scalar?.description ?? shapeNode.kindName)",
                         at: shapeNode.location)
        }
        guard let sigmaNode = node["kpt_oks_sigmas"], sigmaNode.scalar != ArgValue.none else { return (shape, nil) }
        var sigmas: [Float] = []
        for item in sigmaNode.sequence ?? [] {
            switch item.scalar {
            case .int(let v)?: sigmas.append(Float(v))
            case .float(let v)?: sigmas.append(Float(v))
            default: sigmas.append(-1)
            }
        }
        guard sigmas.count == shape[0], sigmas.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw .error("'kpt_oks_sigmas' must be \(shape[0]) positive values, one per keypoint", at: sigmaNode.location)
        }
        return (shape, sigmas)
    }

    /// A name as Python's `str()` gives it.
    static func text(_ value: ArgValue) -> String {
        if case .string(let s) = value { return s }
        return value.description
    }
}
