/// Class index → name, as a model's `names` gives them; unnamed classes are `class<i>` as in
/// Ultralytics' default names.
public struct ClassNames: Sendable, Equatable {
    public var names: [Int: String]

    /// Names by class index; missing ones read as `class<i>`.
    public init(_ names: [Int: String] = [:]) {
        self.names = names
    }

    public subscript(index: Int) -> String { names[index] ?? "class\(index)" }
}
