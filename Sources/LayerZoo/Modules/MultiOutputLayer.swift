/// A layer with several outputs, such as Ultralytics' Segment head (detections with mask
/// coefficients, then the mask prototypes).
///
/// `forwardOutputs` computes every output in the order Ultralytics' export names them
/// (`output0`, `output1`, …). `forward` computes them all too, so that shape tracing counts
/// every FLOP, and returns the first: the one later layers and the shape trace see.
public protocol MultiOutputLayer: Layer {
    /// How many tensors `forwardOutputs` returns.
    var outputCount: Int { get }
    func forwardOutputs<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> [B.Value]
}

extension MultiOutputLayer {
    public func forward<B: Backend>(_ inputs: [B.Value], on backend: B) throws(LayerError) -> B.Value {
        guard let first = try forwardOutputs(inputs, on: backend).first else {
            throw LayerError("\(type(of: self)) produced no output")
        }
        return first
    }
}
