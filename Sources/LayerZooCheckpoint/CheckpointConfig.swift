import ZooCPU
import LayerZoo

extension PyTorchCheckpoint {
    /// The model's YAML as a config source named `best.pt:yaml`, so that diagnostics point into
    /// the text the checkpoint holds; nil when the checkpoint has no YAML dict (a state_dict).
    public var configSource: ConfigSource? {
        yamlText.map { ConfigSource(displayPath: path + ":yaml", text: $0, scaleFromName: scale) }
    }

    /// Metadata for a safetensors file converted from this checkpoint: names (JSON list), nc,
    /// yaml, task, stride, imgsz, and where it came from.
    public var metadata: [String: String] {
        var out: [String: String] = ["format": "pt", "source": path]
        if let names {
            out["names"] = "[" + names.map(jsonQuoted).joined(separator: ",") + "]"
        }
        if let nc { out["nc"] = String(nc) }
        if let yamlText { out["yaml"] = yamlText }
        if let scale { out["scale"] = scale }
        if let task { out["task"] = task }
        if let stride { out["stride"] = "[" + stride.map { String(Int($0)) }.joined(separator: ",") + "]" }
        if let imgsz { out["imgsz"] = "[" + imgsz.map(String.init).joined(separator: ",") + "]" }
        if let modelKey { out["checkpoint_key"] = modelKey }
        if let modelClass { out["model_class"] = modelClass }
        return out
    }
}

/// `nc: N` in place of the file's `nc:` line (same line, so diagnostics keep their places), or
/// appended when the file has none.
public func overridingClassCount(_ text: String, nc: Int) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if let i = lines.firstIndex(where: { $0.hasPrefix("nc:") }) {
        let comment = lines[i].firstIndex(of: "#").map { "  " + lines[i][$0...] } ?? ""
        lines[i] = "nc: \(nc)" + comment
        return lines.joined(separator: "\n")
    }
    return text + (text.hasSuffix("\n") || text.isEmpty ? "" : "\n") + "nc: \(nc)\n"
}
