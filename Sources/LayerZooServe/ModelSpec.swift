/// One model the server serves: `NAME=MODEL` or `MODEL` on the command line (the name is then
/// the file name without its extension), with the options it is built with.
public struct ModelSpec: Sendable {
    public var name: String
    /// A YAML file or a PyTorch checkpoint.
    public var path: String
    /// Weights (.safetensors or .pt); nil: the checkpoint `path`, else seeded random weights.
    public var weights: String?
    public var configOverride: String?
    /// Class embeddings (.npy) for an open-vocabulary model; nil: the weights' `txt_feats`/`pe`.
    public var embeddings: String?
    public var nc: Int?
    public var scale: String?
    /// The size `predict` letterboxes to and the model is checked at.
    public var imageHeight = 640
    public var imageWidth = 640
    public var variants: [String: String] = [:]

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// Parses `NAME=MODEL` or `MODEL`; nil when the name is empty or not a URL path segment
    /// (letters, digits, '.', '_' and '-').
    public init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let path = parts.count == 2 ? parts[1] : argument
        let file = path.split(separator: "/").last.map(String.init) ?? path
        let stem = file.contains(".") ? String(file[..<(file.lastIndex(of: ".") ?? file.endIndex)]) : file
        let name = parts.count == 2 ? parts[0] : stem
        guard !path.isEmpty, Self.isValidName(name) else { return nil }
        self.init(name: name, path: path)
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
    }
}
