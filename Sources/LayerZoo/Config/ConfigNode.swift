/// A YAML node with the place it was written, after PyYAML-compatible scalar resolution.
///
/// Ultralytics reads model files with PyYAML (YAML 1.1), so plain scalars resolve as PyYAML
/// resolves them: `yes`/`no`/`on`/`off` are booleans, `~` and `null` are None, `1.5` is a
/// float but `1e-3` (no dot) is a string. Quoted scalars are always strings.
public struct ConfigNode: Sendable {
    public enum Kind: Sendable {
        case scalar(ArgValue)
        case sequence([ConfigNode])
        case mapping([(key: ConfigNode, value: ConfigNode)])
    }

    public var kind: Kind
    public var location: SourceLocation

    public var sequence: [ConfigNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var mapping: [(key: ConfigNode, value: ConfigNode)]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    public var scalar: ArgValue? {
        if case .scalar(let v) = kind { return v }
        return nil
    }

    /// The value of a mapping entry whose key is the plain string `key`.
    public subscript(key: String) -> ConfigNode? {
        mapping?.first { $0.key.scalar == .string(key) }?.value
    }

    /// The node as a plain value (lists nested), or nil when it holds a mapping.
    public var value: ArgValue? {
        switch kind {
        case .scalar(let v): return v
        case .sequence(let items):
            var values: [ArgValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                guard let v = item.value else { return nil }
                values.append(v)
            }
            return .list(values)
        case .mapping: return nil
        }
    }

    /// A human description of the node's kind for "expected X, found Y" messages.
    public var kindName: String {
        switch kind {
        case .scalar(let v): return v.kindName
        case .sequence: return value?.kindName ?? "a list"
        case .mapping: return "a mapping"
        }
    }
}
