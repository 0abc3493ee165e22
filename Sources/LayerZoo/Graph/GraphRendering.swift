/// DOT (Graphviz) and Mermaid text of a `ModelGraph`, written directly; layout is Graphviz's or
/// Mermaid's business.
extension ModelGraph {
    /// Fill colours by stride, so that the detection levels (P3/8, P4/16, P5/32, ...) read at a
    /// glance; the head's rows at a level share its colour.
    static func fill(_ stride: Int?) -> String {
        switch stride {
        case 1, 2: return "#f2f2f2"
        case 4: return "#e8e0f5"
        case 8: return "#dbe9f6"
        case 16: return "#dcf0dc"
        case 32: return "#fbf3d5"
        case 64: return "#f7e1e1"
        default: return "#ffffff"
        }
    }

    /// The lines of a node's label: index and module, arguments, output and stride, parameters,
    /// then what is special about it.
    func labelLines(_ node: Node, maxArguments: Int = 40) -> [String] {
        var lines = ["\(node.index)  \(node.module)"]
        lines.append(node.arguments.count > maxArguments ? String(node.arguments.prefix(maxArguments - 1)) + "…" : node.arguments)
        var shape = node.output.map(Shape.text) ?? "(not traced)"
        if let s = node.stride, s > 1 { shape += "  P\(Self.level(s))/\(s)" }
        lines.append(shape)
        lines.append("\(Self.count(node.parameters)) params")
        if node.isPlugin { lines.append("plug-in: \(node.origin)") }
        if node.isUnused { lines.append("output unused") }
        for sub in node.inside.filter({ $0.name.split(separator: ".").count <= 2 }).prefix(24) {
            lines.append("  \(sub.name): \(sub.type)")
        }
        for message in node.diagnostics.prefix(2) {
            lines.append("! " + (message.count > 60 ? String(message.prefix(59)) + "…" : message))
        }
        return lines
    }

    /// log2 of a power-of-two stride (the P-level number).
    static func level(_ stride: Int) -> Int {
        var s = stride, l = 0
        while s > 1 { s /= 2; l += 1 }
        return l
    }

    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }

    /// Graphviz DOT: boxes top to bottom, filled by stride; plug-in layers with an orange
    /// border, rows with diagnostics red, unused outputs dashed.
    public func dot(title: String) -> String {
        func quoted(_ s: String) -> String {
            "\"" + Self.escapedControl(s).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var out = ["digraph model {",
                   "  label=\(quoted(title)); labelloc=t; fontname=\"Helvetica\"; rankdir=TB; nodesep=0.35; ranksep=0.3;",
                   "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, fillcolor=\"#ffffff\"];",
                   "  edge [color=\"#555555\", arrowsize=0.6];",
                   "  input [label=\(quoted("input\n" + Shape.text(input))), shape=oval, fillcolor=\"#eeeeee\"];"]
        for node in nodes {
            var attributes = ["label=\(quoted(labelLines(node).joined(separator: "\n")))",
                              "fillcolor=\"\(Self.fill(node.stride))\""]
            var style = ["rounded", "filled"]
            if node.isUnused { style.append("dashed") }
            if !node.diagnostics.isEmpty {
                attributes += ["color=\"#d62728\"", "penwidth=2.5", "tooltip=\(quoted(node.diagnostics.joined(separator: "\n")))"]
            } else if node.isPlugin {
                attributes += ["color=\"#e67e22\"", "penwidth=2.5"]
            }
            if style.count > 2 { attributes.append("style=\(quoted(style.joined(separator: ",")))") }
            out.append("  n\(node.index) [\(attributes.joined(separator: ", "))];")
        }
        for edge in edges {
            out.append("  \(edge.from < 0 ? "input" : "n\(edge.from)") -> n\(edge.to);")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    /// Mermaid `flowchart` (renders in Markdown on GitHub): the same nodes and edges, with
    /// classes for plug-ins, diagnostics and unused outputs.
    public func mermaid(title: String) -> String {
        func text(_ s: String) -> String {
            Self.escapedControl(s).replacingOccurrences(of: "\"", with: "#quot;").replacingOccurrences(of: "<", with: "#lt;")
                .replacingOccurrences(of: ">", with: "#gt;")
        }
        var out = ["---", "title: \(text(title))", "---", "flowchart TD",
                   "  input([\"input<br/>\(text(Shape.text(input)))\"])"]
        var classes: [String: [String]] = [:]
        for node in nodes {
            out.append("  n\(node.index)[\"\(labelLines(node).map(text).joined(separator: "<br/>"))\"]")
            if !node.diagnostics.isEmpty { classes["diagnostic", default: []].append("n\(node.index)") }
            else if node.isPlugin { classes["plugin", default: []].append("n\(node.index)") }
            if node.isUnused { classes["unused", default: []].append("n\(node.index)") }
            if let s = node.stride, s > 1 { classes["p\(s)", default: []].append("n\(node.index)") }
        }
        for edge in edges {
            out.append("  \(edge.from < 0 ? "input" : "n\(edge.from)") --> n\(edge.to)")
        }
        out.append("  classDef plugin stroke:#e67e22,stroke-width:3px")
        out.append("  classDef diagnostic stroke:#d62728,stroke-width:3px")
        out.append("  classDef unused stroke-dasharray:5 5")
        for stride in [4, 8, 16, 32, 64] { out.append("  classDef p\(stride) fill:\(Self.fill(stride))") }
        for (name, members) in classes.sorted(by: { $0.key < $1.key }) {
            out.append("  class \(members.joined(separator: ",")) \(name)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Control characters from a file shown as `\u{..}`: never raw into a picture's source.
    static func escapedControl(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar == "\n" { out.append("\n"); continue }
            if scalar.value < 0x20 || scalar.value == 0x7f { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}
