/// A node of the module tree, mirroring PyTorch's `nn.Module`: its own tensors and its
/// children, under the attribute names PyTorch uses, so that state_dict keys
/// (`model.2.m.0.cv1.conv.weight`) come out of the tree unchanged.
public protocol Module: AnyObject {
    /// Direct children in PyTorch's registration order.
    var children: [(name: String, module: any Module)] { get }
    /// This module's own tensors (not its children's), in registration order.
    var tensors: [(name: String, parameter: Parameter)] { get }
    /// Load-time preparation once every tensor has its value: anything that does not depend
    /// on the input (standardised weights, reparameterised branches, quantised kernels) is
    /// computed here, once, not in the forward pass. Children are prepared first.
    func prepareForInference() throws(LayerError)
}

extension Module {
    public var children: [(name: String, module: any Module)] { [] }
    public var tensors: [(name: String, parameter: Parameter)] { [] }
    public func prepareForInference() throws(LayerError) {}

    /// Every tensor of the subtree with its dotted state_dict key.
    public func namedTensors(prefix: String = "") -> [(key: String, parameter: Parameter)] {
        var out: [(key: String, parameter: Parameter)] = []
        collect(prefix: prefix, into: &out)
        return out
    }

    private func collect(prefix: String, into out: inout [(key: String, parameter: Parameter)]) {
        for (name, parameter) in tensors { out.append((prefix + name, parameter)) }
        for (name, child) in children { child.collect(prefix: prefix + name + ".", into: &out) }
    }

    /// Runs the load-time preparation of every module of the subtree, children first (what a
    /// `Model` does per layer once its weights are in).
    public func prepareTreeForInference() throws(LayerError) {
        for module in allModules().reversed() { try module.prepareForInference() }
    }

    /// Every module of the subtree with its dotted state_dict prefix (`model.2.m.0.`), this one
    /// first (PyTorch's `named_modules()`, with a trailing dot).
    public func namedModules(prefix: String = "") -> [(prefix: String, module: any Module)] {
        var out: [(prefix: String, module: any Module)] = [(prefix, self)]
        for (name, child) in children { out.append(contentsOf: child.namedModules(prefix: prefix + name + ".")) }
        return out
    }

    /// Every module of the subtree, this one first (PyTorch's `modules()`).
    public func allModules() -> [any Module] {
        var out: [any Module] = [self]
        for (_, child) in children { out.append(contentsOf: child.allModules()) }
        return out
    }

    /// What PyTorch's `sum(p.numel() for p in m.parameters())` gives: trainable and frozen
    /// parameters, no buffers.
    public var parameterCount: Int {
        // Saturating: a tensor's count saturates at Int.max rather than trap (the builder
        // refuses such models with a message; this must not trap before it can).
        namedTensors().reduce(0) { SaturatingCount.add($0, $1.parameter.countsAsParameter ? $1.parameter.count : 0) }
    }
}

/// A YAML layer: a module with a forward pass over one or more earlier layers' outputs.
///
/// The forward pass is written once, generic over the backend: run on `ShapeBackend` it
/// infers shapes and counts FLOPs (that is how `validate` and `info` work), run on the CPU
/// backend it computes values.
public protocol Layer: Module {
    func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value
}

/// A layer that needs the strides of its inputs (Detect builds anchors from them). The
/// builder sets them from a trace at 256×256, as Ultralytics does.
public protocol StrideConsumer: Layer {
    func setInputStrides(_ strides: [Double])
}

/// A module with one input and one output (Conv, Bottleneck, ...): the building blocks
/// layers are composed of.
public protocol UnaryModule: Module {
    func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value
}

/// A YAML layer that reads exactly one earlier layer.
public protocol UnaryLayer: Layer, UnaryModule {}

extension UnaryLayer {
    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard inputs.count == 1, let x = inputs.first else {
            throw LayerError("takes one input, got \(inputs.count)")
        }
        return try self(x, on: backend)
    }
}

/// PyTorch's `nn.Sequential` (and `nn.ModuleList` used in order): children "0", "1", ...
public final class Sequential: UnaryModule {
    public let modules: [any UnaryModule]

    public init(_ modules: [any UnaryModule]) { self.modules = modules }

    public var children: [(name: String, module: any Module)] {
        modules.enumerated().map { (String($0.offset), $0.element as any Module) }
    }

    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        var y = x
        for module in modules { y = try module(y, on: backend) }
        return y
    }
}

extension Conv2d: UnaryModule {
    public func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
        try backend.conv2d(x, self)
    }
}
