import Foundation
import LayerZoo

/// `validate --format json`: `{"valid", "files": [...], "diagnostics": [...]}`. `diagnostics`
/// keeps the earlier flat list (the run's problems, then every file's), for older readers.
struct ValidationJSON: Encodable {
    var valid: Bool
    var files: [FileJSON]
    var diagnostics: [DiagnosticJSON]

    init(_ run: ValidationRun) {
        valid = run.valid
        files = run.files.map(FileJSON.init)
        diagnostics = run.problems.map(DiagnosticJSON.init) + run.files.flatMap { $0.diagnostics.map(DiagnosticJSON.init) }
    }

    /// The document for a run that could not start (a plugin failed, a bad command line).
    init(failure: RunProblem) {
        valid = false
        files = []
        diagnostics = [DiagnosticJSON(failure)]
    }
}

/// One file at one scale. Counts are null when the model could not be built or traced.
struct FileJSON: Encodable {
    var file: String
    var valid: Bool
    var scale: String?
    var imgsz: [Int]
    var layers: Int?
    var parameters: Int?
    var gflops: Double?
    /// The planned memory of a forward pass at imgsz, in bytes.
    var memoryBytes: Int?
    var diagnostics: [DiagnosticJSON]

    init(_ result: FileResult) {
        file = result.file
        valid = result.valid
        scale = result.scale
        imgsz = [result.imageHeight, result.imageWidth]
        layers = result.layers
        parameters = result.parameters
        gflops = result.gflops
        memoryBytes = result.memory?.bytes
        diagnostics = result.diagnostics.map(DiagnosticJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case file, valid, scale, imgsz, layers, parameters, gflops, memoryBytes, diagnostics
    }

    /// Every key is always present (null when unknown), so readers need no existence checks.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(file, forKey: .file)
        try c.encode(valid, forKey: .valid)
        try c.encode(scale, forKey: .scale)
        try c.encode(imgsz, forKey: .imgsz)
        try c.encode(layers, forKey: .layers)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(gflops, forKey: .gflops)
        try c.encode(memoryBytes, forKey: .memoryBytes)
        try c.encode(diagnostics, forKey: .diagnostics)
    }
}
