/// A model's layer graph as Ultralytics' rows define it, for pictures: one node per row, an
/// edge for every `from` reference, and what a reader needs to spot a mistake (the stride each
/// output runs at, plug-in layers, rows that diagnostics point at, outputs nothing reads).
public struct ModelGraph: Sendable {
    public struct Node: Sendable {
        public var index: Int
        public var module: String
        /// Constructor arguments after the channel rules, as `info` prints them.
        public var arguments: String
        /// Output shape at the traced size; nil when the trace did not reach the layer.
        public var output: [Int]?
        public var parameters: Int
        /// Input size / output size (8 for P3/8); nil when not a whole number.
        public var stride: Int?
        /// True for a layer from a plugin other than the standard layers.
        public var isPlugin: Bool
        public var origin: String
        /// True when no later layer reads the output and it is not the model's output.
        public var isUnused: Bool
        /// Messages of the diagnostics that point at this row.
        public var diagnostics: [String]
        /// The module tree inside the layer (`--expand`): dotted names, children after parents.
        public var inside: [Submodule]
    }

    /// One module inside a layer: its dotted name relative to the layer and its type.
    public struct Submodule: Sendable {
        public var name: String
        public var type: String
        public var parameters: Int
    }

    public var nodes: [Node]
    /// `(from, to)`; -1 is the input image.
    public var edges: [(from: Int, to: Int)]
    /// The input shape the trace ran at.
    public var input: [Int]

    /// Builds the graph of `model` traced as `trace`, marking the rows `diagnostics` point at.
    /// `standardOrigin` names the plugin whose layers are not highlighted.
    public init(model: Model, trace: ShapeTrace, diagnostics: [Diagnostic] = [], standardOrigin: String = "LayerZooStandard",
                expand: Bool = false) {
        input = trace.input
        var readers = Array(repeating: 0, count: model.nodes.count)
        var edges: [(from: Int, to: Int)] = []
        for node in model.nodes {
            for j in node.inputs {
                edges.append((j, node.index))
                if j >= 0, j < readers.count { readers[j] += 1 }
            }
        }
        self.edges = edges
        let lastIndex = model.nodes.last?.index
        nodes = model.nodes.map { node in
            let output = node.index < trace.outputs.count ? trace.outputs[node.index]?.dims : nil
            var stride: Int?
            if let out = output, out.count == 4, out[2] > 0, trace.input.count == 4, trace.input[2] % out[2] == 0 {
                stride = trace.input[2] / out[2]
            }
            let messages = diagnostics.filter { d in
                guard let line = d.location?.line else { return false }
                return line == node.row.location.line && d.location?.file == node.row.location.file
            }.map(\.message)
            return Node(index: node.index, module: node.row.module,
                        arguments: "[" + node.arguments.map(\.description).joined(separator: ", ") + "]",
                        output: output, parameters: node.layer.parameterCount, stride: stride,
                        isPlugin: node.definition.origin != standardOrigin, origin: node.definition.origin,
                        isUnused: readers[node.index] == 0 && node.index != lastIndex, diagnostics: messages,
                        inside: expand ? Self.submodules(of: node.layer) : [])
        }
    }

    static func submodules(of layer: any Layer) -> [Submodule] {
        layer.namedModules().dropFirst().map { entry in
            let name = entry.prefix.hasSuffix(".") ? String(entry.prefix.dropLast()) : entry.prefix
            return Submodule(name: name, type: String(describing: type(of: entry.module)).split(separator: "<").first.map(String.init) ?? "",
                             parameters: entry.module.namedTensors().reduce(0) { $0 + ($1.parameter.countsAsParameter ? $1.parameter.count : 0) })
        }
    }
}
