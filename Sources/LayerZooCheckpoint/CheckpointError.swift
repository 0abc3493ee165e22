import LayerZoo

/// Why a PyTorch checkpoint could not be read: which file, which archive entry and byte, and
/// what was expected there.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// The archive entry the problem is in (`archive/data.pkl`), if any.
    public var entry: String?
    /// Byte offset inside `entry` (or the file) where the problem was found, if known.
    public var offset: Int?
    public var message: String

    public init(file: String, entry: String? = nil, offset: Int? = nil, message: String) {
        self.file = file
        self.entry = entry
        self.offset = offset
        self.message = message
    }

    /// `best.pt: archive/data.pkl, byte 120: message`.
    public var description: String {
        "\(file): " + place + message
    }

    private var place: String {
        switch (entry, offset) {
        case let (entry?, offset?): return "\(entry), byte \(offset): "
        case let (entry?, nil): return "\(entry): "
        case let (nil, offset?): return "byte \(offset): "
        case (nil, nil): return ""
        }
    }

    /// The error as a diagnostic at the start of the file (the place is in the message).
    public var diagnostic: Diagnostic {
        .error(place + message, at: SourceLocation(file: file, line: 1, column: 1))
    }
}

/// Bounds that keep a hostile checkpoint harmless: every one is checked before the memory it
/// guards is allocated.
public struct CheckpointLimits: Sendable {
    /// Largest `data.pkl`, in bytes (uncompressed).
    public var maxPickleBytes = 256 << 20
    /// Largest sum of storage bytes read from the archive.
    public var maxTotalBytes = 8 << 30
    /// Most entries read from the zip's central directory.
    public var maxEntries = 200_000
    /// Deepest nesting of containers and objects.
    public var maxDepth = 200
    /// Most memo entries, and the largest memo index.
    public var maxMemo = 1 << 22
    /// Most values the unpickler creates (stack pushes and container items together).
    public var maxValues = 50_000_000
    /// Most tensor dimensions.
    public var maxDimensions = 16

    public init() {}
}
