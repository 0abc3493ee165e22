import ArgumentParser
import LayerZoo

/// `--transform NAME[=VALUE]`, repeatable: model transforms that plugins register (see
/// `layerzoo layers`), applied in the order given once weights are loaded.
struct TransformOptions: ParsableArguments {
    @Option(name: .customLong("transform"),
            help: ArgumentHelp("A model transform a plugin registers, as NAME or NAME=VALUE (e.g. dsconv-quantize=4); repeatable. 'layerzoo layers' lists them.",
                               valueName: "name[=value]"))
    var transforms: [String] = []

    @Option(help: ArgumentHelp("Same as --transform dsconv-quantize=BITS.", visibility: .hidden))
    var dsconvBits: Int?

    /// The requested transforms with their values, or the registry's message; exit 64.
    func resolve(in registry: LayerRegistry) throws -> [(transform: ModelTransform, value: Int?)] {
        var requests = transforms.map { text -> (String, String?) in
            guard let eq = text.firstIndex(of: "=") else { return (text, nil) }
            return (String(text[..<eq]), String(text[text.index(after: eq)...]))
        }
        if let dsconvBits { requests.append(("dsconv-quantize", String(dsconvBits))) }
        var out: [(transform: ModelTransform, value: Int?)] = []
        for (name, value) in requests {
            do throws(RegistryError) {
                let transform = try registry.transform(named: name)
                out.append((transform, try transform.value(from: value)))
            } catch {
                throw ValidationError(error.message)
            }
        }
        return out
    }
}
