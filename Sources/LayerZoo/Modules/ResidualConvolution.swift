/// A module that can compute `residual + self(x)` itself, so that a backend adds the residual
/// as the module's last convolution stores its output (no separate elementwise pass).
/// Ultralytics' Conv is one; `ResidualBottleneck` uses it for its shortcut.
public protocol ResidualFusing: UnaryModule {
    /// `residual + self(x)`, the add after the activation, as PyTorch computes `x + cv2(...)`.
    func callAsFunction<B: Backend>(_ x: B.Value, adding residual: B.Value, on backend: B) throws(LayerError) -> B.Value
}

extension Backend {
    /// `residual + convBNAct(x, ...)`, as two operations; the CPU backend fuses them.
    public func convBNAct(_ x: Value, _ conv: Conv2d, _ bn: BatchNorm2d, _ act: Activation,
                          adding residual: Value) throws(LayerError) -> Value {
        try add(residual, try convBNAct(x, conv, bn, act))
    }

    /// `residual + convAct(x, ...)`, as two operations; the CPU backend fuses them.
    public func convAct(_ x: Value, _ conv: Conv2d, _ act: Activation, adding residual: Value) throws(LayerError) -> Value {
        try add(residual, try convAct(x, conv, act))
    }
}

extension Sequential: ResidualFusing {
    /// `residual + self(x)`: the last module adds the residual itself when it can.
    public func callAsFunction<B: Backend>(_ x: B.Value, adding residual: B.Value, on backend: B) throws(LayerError) -> B.Value {
        guard let last = modules.last else { return try backend.add(residual, x) }
        var y = x
        for module in modules.dropLast() { y = try module(y, on: backend) }
        if let fusing = last as? any ResidualFusing { return try fusing(y, adding: residual, on: backend) }
        return try backend.add(residual, try last(y, on: backend))
    }
}
