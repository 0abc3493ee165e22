import LayerZoo
import ZooCPU

/// Checks that a custom operation received `count` inputs of rank 4.
func nchwInputs(_ inputs: [[Int]], count: Int, _ what: String) throws(LayerError) {
    guard inputs.count == count, inputs.allSatisfy({ $0.count == 4 }) else {
        throw LayerError("\(what) expects \(count) [N, C, H, W] input\(count == 1 ? "" : "s"), got \(inputs.map(Shape.text))")
    }
}
