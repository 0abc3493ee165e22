import Foundation

import ZooCPU

/// An elementwise activation, as `torch.nn` names them (the backend's enum).
public typealias Activation = ZooCPU.Activation

extension Activation {
    /// Spellings accepted for the model file's `activation` key.
    public static let knownNames = ["SiLU", "ReLU", "ReLU6", "Sigmoid", "Hardswish", "GELU", "Tanh", "Mish",
                                    "Identity", "LeakyReLU"]

    /// Parses `nn.ReLU()`, `torch.nn.LeakyReLU(0.1)`, `nn.SiLU(inplace=True)`.
    ///
    /// Ultralytics `eval`s this string; LayerZoo never evaluates configuration text, it only
    /// matches the documented `nn.<Class>(literal args)` form against known classes.
    public static func parse(_ text: String) -> Activation? {
        var s = text.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("torch.") { s.removeFirst(6) }
        guard s.hasPrefix("nn."), s.hasSuffix(")"), let open = s.firstIndex(of: "(") else { return nil }
        let name = String(s[s.index(s.startIndex, offsetBy: 3)..<open])
        let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
        var positional: [String] = []
        for part in inner.split(separator: ",") {
            let item = part.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            if item.hasPrefix("inplace=") {
                guard item == "inplace=True" || item == "inplace=False" else { return nil }
                continue
            }
            if item.hasPrefix("negative_slope=") {
                positional.append(String(item.dropFirst("negative_slope=".count)))
                continue
            }
            positional.append(item)
        }
        switch name {
        case "LeakyReLU":
            guard positional.count <= 1 else { return nil }
            guard let slopeText = positional.first else { return .leakyReLU(0.01) }
            guard let slope = Float(slopeText), slope.isFinite else { return nil }
            return .leakyReLU(slope)
        default:
            guard positional.isEmpty else { return nil }
            switch name {
            case "SiLU": return .silu
            case "ReLU": return .relu
            case "ReLU6": return .relu6
            case "Sigmoid": return .sigmoid
            case "Hardswish": return .hardswish
            case "GELU": return .gelu
            case "Tanh": return .tanh
            case "Mish": return .mish
            case "Identity": return .identity
            default: return nil
            }
        }
    }
}
