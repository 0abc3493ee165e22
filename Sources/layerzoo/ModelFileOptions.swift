import ArgumentParser

/// The options that say which model to build (scale, variants, a YAML over a checkpoint's,
/// the class count): part of every model command's `ModelOptions`, and taken on their own by
/// `val`, whose size and batch defaults are Ultralytics' val defaults.
struct ModelFileOptions: ParsableArguments {
    @Option(help: "Model scale to use (a key of the file's 'scales', e.g. n or s). Default: the letter in the file name (yolov8n.yaml → n), else the file's first scale.")
    var scale: String?

    @Option(name: .customLong("define"),
            help: ArgumentHelp("For a module name with several definitions (community lineages mean different modules by the same name; 'layerzoo layers' lists the variants): the variant to use, as NAME=VARIANT; repeatable. Without it the default is used, or with --weights the variant whose tensors fit.",
                               valueName: "name=variant"))
    var defines: [String] = []

    @Option(name: .customLong("config"), help: ArgumentHelp("A model file to build instead of the YAML a checkpoint holds.", valueName: "yaml"))
    var configOverride: String?

    @Option(help: "Number of classes, written over the model file's nc.")
    var nc: Int?

    func validate() throws {
        if let nc, !(1...100_000).contains(nc) {
            throw ValidationError("--nc must be from 1 to 100000, got \(nc)")
        }
        if let scale, scale.isEmpty || scale.count > 16 {
            throw ValidationError("--scale must be a scale name such as n, s, m, l or x")
        }
        _ = try variants()
    }

    /// `--define` as name → variant.
    func variants() throws -> [String: String] {
        var out: [String: String] = [:]
        for text in defines {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--define takes NAME=VARIANT (e.g. C2f_DBB=conv-dbb), got '\(text)'")
            }
            if let earlier = out[parts[0]], earlier != parts[1] {
                throw ValidationError("--define gives two variants for \(parts[0]): \(earlier) and \(parts[1])")
            }
            out[parts[0]] = parts[1]
        }
        return out
    }
}
