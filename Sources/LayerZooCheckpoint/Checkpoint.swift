import Foundation
import ZooCPU

/// A PyTorch checkpoint read without Python: its state_dict and, for an Ultralytics
/// checkpoint, the model's YAML dict, class names and training settings.
///
/// Recognised layouts: an Ultralytics checkpoint (`{"model" | "ema": DetectionModel, ...}`,
/// taking `ema` when present and not None, as Ultralytics' `attempt_load` does), a pickled
/// module (`torch.save(model)`), a plain state_dict (a dict of tensors), and a dict holding one
/// under `"state_dict"`. Module objects are inert: their `_modules`, `_parameters` and
/// `_buffers` are walked to state_dict keys (`model.0.conv.weight`), whatever their classes.
public final class PyTorchCheckpoint {
    public let path: String
    /// The tensors, under their state_dict keys.
    public let tensors: CheckpointTensors
    /// Where the state_dict came from (`ema`, `model`, `state_dict`, or nil for the whole file).
    public let modelKey: String?
    /// The class of the pickled model (`ultralytics.nn.tasks.DetectionModel`), if there is one.
    public let modelClass: String?
    /// The model's `yaml` dict rendered as YAML text, if the checkpoint has one.
    public let yamlText: String?
    /// `yaml["scale"]`, the scale the model was built at.
    public let scale: String?
    /// Class names by index (`model.names`).
    public let names: [String]?
    /// `model.nc`, else `yaml["nc"]`.
    public let nc: Int?
    /// `model.stride` values.
    public let stride: [Double]?
    /// `model.task`, else `train_args["task"]`.
    public let task: String?
    /// The training image size (`train_args["imgsz"]`, else `model.args.imgsz`): [h, w].
    public let imgsz: [Int]?
    /// Ultralytics' `version` and `date` entries, when present.
    public let version: String?
    public let date: String?

    /// Reads the checkpoint at `path`.
    public convenience init(path: String, limits: CheckpointLimits = CheckpointLimits()) throws(CheckpointError) {
        try self.init(archive: try TorchArchive(path: path, limits: limits))
    }

    /// Reads a checkpoint from an opened archive.
    public init(archive: TorchArchive) throws(CheckpointError) {
        path = archive.path
        let pickle = try archive.pickle()
        let unpickler = Unpickler(file: archive.path, entry: archive.pickleEntryName, limits: archive.limits,
                                  storageBytes: { archive.storageSize($0) })
        let graph = try unpickler.unpickle(pickle)
        let walker = StateDictWalker(graph: graph, file: archive.path, maxDepth: archive.limits.maxDepth)
        let layout = try walker.layout()
        let yaml = graph.object(layout.model)?.attributes(in: graph)?["yaml"]
        if let yaml, graph.dict(yaml) != nil {
            do {
                yamlText = try YAMLRendering(graph: graph).render(yaml)
            } catch {
                throw CheckpointError(file: archive.path, entry: archive.pickleEntryName, message: "the model's yaml dict cannot be written as YAML: \(error.message)")
            }
        } else {
            yamlText = nil
        }
        var named = try walker.stateDict(of: layout.source)
        // YOLO-World's `txt_feats` and YOLOE's `pe` (set by set_classes) are plain attributes of
        // the model object, not state_dict entries; kept under their names as the class embeddings.
        if let model = graph.object(layout.model), let attributes = model.attributes(in: graph) {
            for name in ["txt_feats", "pe"] {
                if case .tensor(let t)? = attributes[name] { named.append((name, graph.tensors[t])) }
            }
        }
        var bytes = [StorageBytes](repeating: .empty, count: graph.storages.count)
        var needed = Set(named.map(\.1.storage))
        var strideTensor: PickleTensor?
        if let model = graph.object(layout.model), case .tensor(let t)? = model.attributes(in: graph)?["stride"] {
            strideTensor = graph.tensors[t]
            needed.insert(graph.tensors[t].storage)
        }
        for s in needed.sorted() { bytes[s] = try archive.storage(graph.storages[s].key) }
        tensors = CheckpointTensors(path: archive.path, tensors: named, graph: graph, storages: bytes, isBigEndian: archive.isBigEndian)
        modelKey = layout.key

        let top = graph.dict(graph.root)
        let model = graph.object(layout.model)
        let attributes = model?.attributes(in: graph)
        modelClass = model?.className
        let trainArgs = graph.dict(top?["train_args"]) ?? graph.object(attributes?["args"])?.attributes(in: graph)
            ?? graph.dict(attributes?["args"])
        scale = graph.dict(yaml)?["scale"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        names = Self.names(attributes?["names"], graph)
        nc = attributes?["nc"]?.int ?? graph.dict(yaml)?["nc"]?.int
        task = attributes?["task"]?.string ?? trainArgs?["task"]?.string
        imgsz = Self.imageSize(trainArgs?["imgsz"], graph)
        version = top?["version"]?.string
        date = top?["date"]?.string
        if let strideTensor, strideTensor.elementCount <= 16 {
            let one = CheckpointTensors(path: archive.path, tensors: [("stride", strideTensor)], graph: graph, storages: bytes,
                                        isBigEndian: archive.isBigEndian)
            stride = (try? one.tensor("stride"))?.toArray().map(Double.init)
        } else {
            stride = nil
        }
    }

    private static func names(_ value: PickleValue?, _ graph: PickleGraph) -> [String]? {
        if let d = graph.dict(value) {
            var byIndex: [(Int, String)] = []
            for (k, v) in d.items {
                guard let i = k.int, let s = v.string else { return nil }
                byIndex.append((i, s))
            }
            byIndex.sort { $0.0 < $1.0 }
            guard byIndex.enumerated().allSatisfy({ $0.offset == $0.element.0 }) else { return nil }
            return byIndex.map(\.1)
        }
        if let items = graph.sequence(value) {
            let strings = items.compactMap(\.string)
            return strings.count == items.count ? strings : nil
        }
        return nil
    }

    private static func imageSize(_ value: PickleValue?, _ graph: PickleGraph) -> [Int]? {
        if let i = value?.int, i > 0 { return [i, i] }
        if let items = graph.sequence(value) {
            let ints = items.compactMap(\.int)
            if ints.count == 2, ints.allSatisfy({ $0 > 0 }) { return ints }
            if ints.count == 1, ints[0] > 0 { return [ints[0], ints[0]] }
        }
        return nil
    }
}

/// Finds the model in an unpickled checkpoint and walks it to state_dict keys.
struct StateDictWalker {
    let graph: PickleGraph
    let file: String
    let maxDepth: Int

    struct Layout {
        /// The value the state_dict comes from (a module object or a dict of tensors).
        var source: PickleValue
        /// The module object, when there is one.
        var model: PickleValue?
        var key: String?
    }

    func fail(_ message: String) -> CheckpointError {
        CheckpointError(file: file, message: message)
    }

    func layout() throws(CheckpointError) -> Layout {
        let root = graph.root
        if case .object = root { return Layout(source: root, model: root, key: nil) }
        guard let top = graph.dict(root) else {
            throw fail("the checkpoint holds \(graph.describe(root)); expected a dict (an Ultralytics checkpoint or a state_dict) or a pickled model")
        }
        if top["model"] != nil || top["ema"] != nil {
            let ema = top["ema"] ?? .none, model = top["model"] ?? .none
            let (key, chosen) = ema.isNone ? ("model", model) : ("ema", ema)
            if chosen.isNone {
                throw fail("the checkpoint's 'model' and 'ema' are both None: it holds no weights")
            }
            switch chosen {
            case .object: return Layout(source: chosen, model: chosen, key: key)
            case .dict: return Layout(source: chosen, model: nil, key: key)
            default: throw fail("the checkpoint's '\(key)' is \(graph.describe(chosen)); expected a model or a state_dict")
            }
        }
        if let inner = top["state_dict"], graph.dict(inner) != nil {
            return Layout(source: inner, model: nil, key: "state_dict")
        }
        return Layout(source: root, model: nil, key: nil)
    }

    func stateDict(of source: PickleValue) throws(CheckpointError) -> [(String, PickleTensor)] {
        var out: [(String, PickleTensor)] = []
        if let d = graph.dict(source) {
            for (k, v) in d.items {
                guard case .tensor(let t) = v, let name = k.string else { continue }
                out.append((name, graph.tensors[t]))
            }
            if out.isEmpty {
                let keys = d.keys.prefix(5).map { $0.string.map { "'\($0)'" } ?? $0.kindName }
                throw fail("the checkpoint is a dict without tensors (keys \(keys.joined(separator: ", "))\(d.count > 5 ? ", …" : "")); expected an Ultralytics checkpoint or a state_dict")
            }
            return out
        }
        var path: Set<Int> = []
        var budget = 100_000
        try walk(source, prefix: "", depth: 0, path: &path, budget: &budget, into: &out)
        if out.isEmpty { throw fail("the pickled model has no parameters or buffers") }
        return out
    }

    /// torch.nn.Module.state_dict(): parameters, then persistent buffers, then children.
    private func walk(_ value: PickleValue, prefix: String, depth: Int, path: inout Set<Int>, budget: inout Int,
                      into out: inout [(String, PickleTensor)]) throws(CheckpointError) {
        // Shared submodules are visited once per path, as state_dict() does: bounded, not exponential.
        budget -= 1
        guard budget >= 0 else { throw fail("the module tree has more than 100000 modules (shared many times over?)") }
        guard case .object(let id) = value else {
            throw fail("module '\(prefix.dropLast())' is \(graph.describe(value)), expected a module object")
        }
        let object = graph.objects[id]
        let name = prefix.isEmpty ? "the model" : "module '\(prefix.dropLast())'"
        guard depth <= maxDepth else { throw fail("modules nested deeper than \(maxDepth) levels at \(name)") }
        guard path.insert(id).inserted else {
            throw fail("cyclic module tree: \(name) (\(object.className)) contains itself")
        }
        defer { path.remove(id) }
        guard let attributes = object.attributes(in: graph) else {
            throw fail("\(name) is an object of \(object.className) without attributes (a call in a checkpoint is never made); expected a torch.nn.Module")
        }
        guard attributes["_modules"] != nil || attributes["_parameters"] != nil else {
            throw fail("\(name) (\(object.className)) has no _modules or _parameters; expected a torch.nn.Module")
        }
        var skipped: Set<String> = []
        if let items = graph.sequence(attributes["_non_persistent_buffers_set"]) {
            skipped = Set(items.compactMap(\.string))
        }
        for field in ["_parameters", "_buffers"] {
            guard let tensors = graph.dict(attributes[field]) else { continue }
            for (k, v) in tensors.items {
                guard let key = k.string else { throw fail("\(name): a \(field) key is \(k.kindName), expected a string") }
                if field == "_buffers", skipped.contains(key) { continue }
                switch v {
                case .tensor(let t): out.append((prefix + key, graph.tensors[t]))
                case .none: continue
                default: throw fail("\(name): \(field)['\(key)'] is \(graph.describe(v)), expected a tensor")
                }
            }
        }
        guard let children = graph.dict(attributes["_modules"]) else { return }
        for (k, child) in children.items {
            guard let key = k.string else { throw fail("\(name): a _modules key is \(k.kindName), expected a string") }
            if child.isNone { continue }
            try walk(child, prefix: prefix + key + ".", depth: depth + 1, path: &path, budget: &budget, into: &out)
        }
    }
}
