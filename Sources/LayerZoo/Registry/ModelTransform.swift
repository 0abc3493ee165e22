/// A whole-model transformation a plugin registers beside its layers: quantising its layers'
/// weights, for instance (DSConv's b-bit kernels). The tool applies transforms by name
/// (`run --transform dsconv-quantize=4`) without knowing the plugin.
///
/// Deployment fusion (batch norm folding, reparameterisation) is not a registered transform:
/// it is the core's `Model.fuse`, over every `Fusable` module.
public struct ModelTransform: Sendable {
    /// The name users give (`dsconv-quantize`).
    public var name: String
    /// One line for `layerzoo layers`.
    public var summary: String
    /// Which plugin provides it.
    public var origin: String
    /// The transform's one integer setting (`bits`), its range and default; nil for none.
    public var setting: Setting?
    /// True when the transformed model computes something else (an approximation): `run`
    /// then reports the output error against the untransformed model.
    public var changesOutputs: Bool
    /// What the transform would do to `model`, from its shapes alone (what `info` prints).
    public var estimate: (@Sendable (Model, Int?) throws(Diagnostic) -> String)?
    /// Transforms `model`, whose weights are loaded; returns a one-line report.
    public var apply: @Sendable (Model, Int?) throws(Diagnostic) -> String

    public struct Setting: Sendable {
        public var name: String
        public var range: ClosedRange<Int>
        public var defaultValue: Int?
        public init(name: String, range: ClosedRange<Int>, defaultValue: Int? = nil) {
            self.name = name
            self.range = range
            self.defaultValue = defaultValue
        }
    }

    public init(name: String, summary: String, origin: String, setting: Setting? = nil, changesOutputs: Bool,
                estimate: (@Sendable (Model, Int?) throws(Diagnostic) -> String)? = nil,
                apply: @escaping @Sendable (Model, Int?) throws(Diagnostic) -> String) {
        self.name = name
        self.summary = summary
        self.origin = origin
        self.setting = setting
        self.changesOutputs = changesOutputs
        self.estimate = estimate
        self.apply = apply
    }

    /// `name` or `name=value` as written on a command line, checked against the setting.
    public func value(from text: String?) throws(RegistryError) -> Int? {
        guard let setting else {
            if let text { throw RegistryError(message: "transform '\(name)' takes no value, got '\(text)'") }
            return nil
        }
        guard let text else {
            if let d = setting.defaultValue { return d }
            throw RegistryError(message: "transform '\(name)' needs a value: \(name)=\(setting.name) with \(setting.name) from \(setting.range.lowerBound) to \(setting.range.upperBound)")
        }
        guard let v = Int(text), setting.range.contains(v) else {
            throw RegistryError(message: "transform '\(name)': \(setting.name) must be from \(setting.range.lowerBound) to \(setting.range.upperBound), got '\(text)'")
        }
        return v
    }
}
