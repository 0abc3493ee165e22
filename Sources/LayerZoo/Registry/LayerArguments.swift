/// A layer's constructor arguments after the channel rules, type-checked against its
/// signature, with defaults filled in. Accessors never trap: a value that does not fit
/// throws a `LayerError` naming the argument, and a name the signature does not declare (a
/// typo in the plugin) throws one marked `undeclaredArgument`, which the core reports as the
/// plugin's mistake and the test helper `assertArgumentLookupsAreDeclared` catches.
public struct LayerArguments: Sendable {
    public let specs: [ArgumentSpec]
    /// One value per spec, positional as the PyTorch constructor takes them.
    public let values: [ArgValue]
    /// How many arguments were given before defaults were filled in (Ultralytics' SPPF
    /// behaves differently for legacy rows that give fewer).
    public let writtenCount: Int

    public init(specs: [ArgumentSpec], values: [ArgValue], writtenCount: Int? = nil) {
        self.specs = specs
        self.values = values
        self.writtenCount = writtenCount ?? values.count
    }

    public subscript(name: String) -> ArgValue? {
        specs.firstIndex { $0.name == name }.map { values[$0] }
    }

    private func value(_ name: String) throws(LayerError) -> ArgValue {
        guard let v = self[name] else {
            var error = LayerError("looks up argument '\(name)', which its definition does not declare (it declares "
                                   + (specs.isEmpty ? "none" : specs.map(\.name).joined(separator: ", ")) + ")")
            error.undeclaredArgument = name
            throw error
        }
        return v
    }

    public func int(_ name: String) throws(LayerError) -> Int {
        let v = try value(name)
        guard case .int(let i) = v else { throw LayerError("\(name) must be an integer, found \(v.kindName)", argument: name) }
        return i
    }

    public func optionalInt(_ name: String) throws(LayerError) -> Int? {
        let v = try value(name)
        if v == .none { return nil }
        return try int(name)
    }

    public func float(_ name: String) throws(LayerError) -> Double {
        let v = try value(name)
        guard let d = v.numberValue else { throw LayerError("\(name) must be a number, found \(v.kindName)", argument: name) }
        return d
    }

    public func bool(_ name: String) throws(LayerError) -> Bool {
        switch try value(name) {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case let v: throw LayerError("\(name) must be True or False, found \(v.kindName)", argument: name)
        }
    }

    public func string(_ name: String) throws(LayerError) -> String {
        let v = try value(name)
        guard case .string(let s) = v else { throw LayerError("\(name) must be a string, found \(v.kindName)", argument: name) }
        return s
    }

    public func intOrPair(_ name: String) throws(LayerError) -> IntOrPair {
        let v = try value(name)
        switch v {
        case .int(let i): return IntOrPair(i)
        case .list(let items) where items.count == 2:
            if case .int(let h) = items[0], case .int(let w) = items[1] { return IntOrPair(h, w) }
        default: break
        }
        throw LayerError("\(name) must be an integer or [h, w], found \(v.kindName)", argument: name)
    }

    public func optionalIntOrPair(_ name: String) throws(LayerError) -> IntOrPair? {
        if try value(name) == .none { return nil }
        return try intOrPair(name)
    }

    public func intList(_ name: String) throws(LayerError) -> [Int] {
        let v = try value(name)
        guard case .list(let items) = v else { throw LayerError("\(name) must be a list of integers, found \(v.kindName)", argument: name) }
        var out: [Int] = []
        for item in items {
            guard case .int(let i) = item else { throw LayerError("\(name) must be a list of integers", argument: name) }
            out.append(i)
        }
        return out
    }
}
