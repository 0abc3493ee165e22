/// Why a layer could not be registered.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The name → definition table the model builder consults. It is a value: build one with
/// the plugins you want and pass it in; there is no global registry.
public struct LayerRegistry: Sendable {
    /// The default definition of each name.
    private var byName: [String: LayerDefinition] = [:]
    /// Every variant of each name that has variants, in registration order.
    private var variantsByName: [String: [LayerDefinition]] = [:]
    private var transformsByName: [String: ModelTransform] = [:]
    /// Definitions that belong to a model-file dialect, by dialect and name.
    private var byDialect: [String: [String: LayerDefinition]] = [:]

    public init() {}

    /// Creates a registry holding `definitions`, failing on the first duplicate name.
    public init(_ definitions: [LayerDefinition]) throws(RegistryError) {
        for definition in definitions { try register(definition) }
    }

    /// Adds a definition. A name that is already registered is an error naming the existing
    /// entry's plugin — silently replacing a built-in layer would change models behind the
    /// user's back — unless both carry a `variant` (the name means different modules in
    /// different lineages): then both are kept, the first registered (or the one registered
    /// with `isDefault`) is the default, and a variant registered twice is an error.
    public mutating func register(_ definition: LayerDefinition, isDefault: Bool = false) throws(RegistryError) {
        guard !definition.name.isEmpty, !definition.name.contains(where: { $0.isWhitespace }) else {
            throw RegistryError(message: "layer name '\(definition.name)' from \(definition.origin) is not a valid YAML module name")
        }
        if let dialect = definition.dialect {
            if let existing = byDialect[dialect]?[definition.name] {
                throw RegistryError(message: "layer '\(definition.name)' of the \(dialect) dialect from \(definition.origin) is already registered by \(existing.origin)")
            }
            byDialect[dialect, default: [:]][definition.name] = definition
            return
        }
        if let variant = definition.variant, variant.isEmpty || variant.contains(where: { $0.isWhitespace || $0 == "=" || $0 == "," }) {
            throw RegistryError(message: "variant name '\(variant)' of layer '\(definition.name)' from \(definition.origin) is not a valid name")
        }
        if let existing = byName[definition.name] {
            guard let variant = definition.variant, existing.variant != nil else {
                throw RegistryError(message: "layer '\(definition.name)' from \(definition.origin) is already registered by \(existing.origin)"
                                    + (existing.variant == nil && definition.variant != nil
                                       ? " without a variant name; register both with variants to keep both" : ""))
            }
            var known = variantsByName[definition.name] ?? [existing]
            if let twin = known.first(where: { $0.variant == variant }) {
                throw RegistryError(message: "variant '\(variant)' of layer '\(definition.name)' from \(definition.origin) is already registered by \(twin.origin)")
            }
            known.append(definition)
            variantsByName[definition.name] = known
            if isDefault { byName[definition.name] = definition }
            return
        }
        byName[definition.name] = definition
        if definition.variant != nil { variantsByName[definition.name] = [definition] }
    }

    public mutating func register(contentsOf definitions: [LayerDefinition]) throws(RegistryError) {
        for definition in definitions { try register(definition) }
    }

    /// The definition of `name`: its default variant when it has several.
    public func definition(named name: String) -> LayerDefinition? { byName[name] }

    /// The definition of `name` for a file in `dialect`: the dialect's own when it has one,
    /// else the Ultralytics one (the default variant).
    public func definition(named name: String, dialect: ModelDialect) -> LayerDefinition? {
        byDialect[dialect.rawValue]?[name] ?? byName[name]
    }

    /// The names `dialect` defines in its own way (none for Ultralytics').
    public func dialectDefinitions(_ dialect: ModelDialect) -> [LayerDefinition] {
        (byDialect[dialect.rawValue] ?? [:]).values.sorted { $0.name < $1.name }
    }

    /// Every variant of `name`, in registration order: one element for a name with one meaning,
    /// none for an unknown name.
    public func variants(named name: String) -> [LayerDefinition] {
        variantsByName[name] ?? byName[name].map { [$0] } ?? []
    }

    /// The variant `variant` of `name`, if registered.
    public func definition(named name: String, variant: String) -> LayerDefinition? {
        variants(named: name).first { $0.variant == variant }
    }

    /// Adds a model transform; a name already registered is an error naming its plugin.
    public mutating func register(transform: ModelTransform) throws(RegistryError) {
        if let existing = transformsByName[transform.name] {
            throw RegistryError(message: "transform '\(transform.name)' from \(transform.origin) is already registered by \(existing.origin)")
        }
        guard !transform.name.isEmpty, !transform.name.contains(where: { $0.isWhitespace || $0 == "=" }) else {
            throw RegistryError(message: "transform name '\(transform.name)' from \(transform.origin) is not a valid name")
        }
        transformsByName[transform.name] = transform
    }

    /// The transform called `name`, or an error listing the registered ones.
    public func transform(named name: String) throws(RegistryError) -> ModelTransform {
        if let t = transformsByName[name] { return t }
        let known = transformsByName.keys.sorted()
        throw RegistryError(message: "no transform '\(name)'; " + (known.isEmpty ? "none is registered" : "registered: " + known.joined(separator: ", ")))
    }

    /// Every transform, sorted by name.
    public var transforms: [ModelTransform] { transformsByName.values.sorted { $0.name < $1.name } }

    /// Every definition, sorted by name (every variant of a name with several, default first).
    public var definitions: [LayerDefinition] {
        byName.keys.sorted().flatMap { name -> [LayerDefinition] in
            guard let all = variantsByName[name], let main = byName[name] else { return byName[name].map { [$0] } ?? [] }
            return [main] + all.filter { $0.variant != main.variant }
        }
    }

    public var count: Int { byName.count }

    /// Registered names close to `name`, best first: same name in another case, then names
    /// within `allowedEdits(for:)` of it, so a short name is never "corrected" into another
    /// layer (DWConv is not ScConv, AConv is not Conv).
    public func suggestions(for name: String, limit: Int = 3) -> [String] {
        let lower = name.lowercased()
        let allowed = Self.allowedEdits(for: name)
        var scored: [(name: String, score: Int, exact: Int)] = []
        for candidate in byName.keys {
            let candidateLower = candidate.lowercased()
            // Ties (SCConv and ScConv) go to the spelling closer with case counted.
            let exact = EditDistance.distance(name, candidate, limit: 4)
            if candidateLower == lower {
                scored.append((candidate, 0, exact))
                continue
            }
            let distance = EditDistance.distance(lower, candidateLower, limit: 2)
            if distance <= allowed { scored.append((candidate, distance, exact)) }
        }
        return scored.sorted { ($0.score, $0.exact, $0.name) < ($1.score, $1.exact, $1.name) }.prefix(limit).map(\.name)
    }

    /// Edits a typo may contain: none up to 3 characters (only case differs), one up to 11
    /// (SPPFF, Detekt, C2f_ScConvv), two beyond.
    public static func allowedEdits(for name: String) -> Int {
        switch name.count {
        case ...3: return 0
        case ...11: return 1
        default: return 2
        }
    }
}

/// Small string-distance helper for "did you mean" suggestions.
enum EditDistance {
    /// Edits (insertions, deletions, substitutions and swaps of two adjacent characters) from
    /// `a` to `b`, giving up (returning `limit + 1`) once it must exceed `limit`.
    static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var beforePrevious = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
                rowMin = min(rowMin, current[j])
            }
            if rowMin > limit { return limit + 1 }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[y.count]
    }
}
