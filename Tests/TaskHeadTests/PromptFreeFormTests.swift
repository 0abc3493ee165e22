import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Tensor names and shapes alone, as a hostile prompt-free checkpoint could declare them.
private final class DeclaredTensors: TensorSource, @unchecked Sendable {
    let path = "declared.safetensors"
    let tensorInfos: [TensorInfo]
    init(_ infos: [TensorInfo]) { tensorInfos = infos }
    func tensorInfo(_ name: String) -> TensorInfo? { tensorInfos.first { $0.name == name } }
    func tensor(_ name: String, expectedShape: [Int]?) throws(BackendError) -> Tensor {
        throw .file(path: path, tensor: name, message: "declared only")
    }
}

/// The prompt-free YOLOE form taken from weights: misfitting `lrpc.*` shapes (vocabularies of
/// different sizes per level, an absurd one, a 3-D vocab weight) are reported by name before
/// anything is allocated; the form drops the one-to-one branches and reads no embeddings.
extension TaskForwardTests {
    func promptFreeCandidate() throws -> (Model, [TensorInfo]) {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/openvocab/11-yoloe-11", withExtension: "yaml"))
        let report = checkYAML(try String(contentsOf: url, encoding: .utf8), registry: try standardRegistry(), file: "yoloe-11.yaml",
                               scale: "n")
        let model = try XCTUnwrap(report.model)
        let head = try XCTUnwrap(model.nodes.last?.layer as? YOLOEDetect)
        let prefix = "model.\(model.nodes.count - 1)."
        var infos = model.namedTensors().filter { !$0.key.hasPrefix(prefix + "cv2.") && !$0.key.hasPrefix(prefix + "cv3.") }
            .map { TensorInfo(name: $0.key, dtype: .f32, shape: $0.parameter.shape) }
        for (i, (box, cls)) in zip(head.detect.cv2, head.detect.cv3).enumerated() {
            for (key, p) in Sequential(Array(box.modules.dropLast())).namedTensors(prefix: prefix + "cv2.\(i).") { infos.append(TensorInfo(name: key, dtype: .f32, shape: p.shape)) }
            for (key, p) in Sequential(Array(cls.modules.dropLast())).namedTensors(prefix: prefix + "cv3.\(i).") { infos.append(TensorInfo(name: key, dtype: .f32, shape: p.shape)) }
            let c3 = try XCTUnwrap(cls.modules.last as? Conv2d).inChannels, c2 = try XCTUnwrap(box.modules.last as? Conv2d).inChannels
            let vocab = i == 2 ? [3, c3, 1, 1] : [3, c3]
            infos += [TensorInfo(name: prefix + "lrpc.\(i).vocab.weight", dtype: .f32, shape: vocab),
                      TensorInfo(name: prefix + "lrpc.\(i).vocab.bias", dtype: .f32, shape: [3]),
                      TensorInfo(name: prefix + "lrpc.\(i).pf.weight", dtype: .f32, shape: [512, c3, 1, 1]),
                      TensorInfo(name: prefix + "lrpc.\(i).pf.bias", dtype: .f32, shape: [512]),
                      TensorInfo(name: prefix + "lrpc.\(i).loc.weight", dtype: .f32, shape: [64, c2, 1, 1]),
                      TensorInfo(name: prefix + "lrpc.\(i).loc.bias", dtype: .f32, shape: [64])]
        }
        return (model, infos)
    }

    func testPromptFreeFormFitsItsDeclaredTensorsAndRefusesMisfits() throws {
        let (model, infos) = try promptFreeCandidate()
        XCTAssertNotNil(model.classEmbeddingDimension)
        let fitting = DeclaredTensors(infos)
        model.adaptForms(to: fitting)
        XCTAssertNil(model.classEmbeddingDimension, "a prompt-free head reads no class embeddings")
        XCTAssertEqual(Set(model.namedTensors().map(\.key)), Set(infos.map(\.name)))
        var diagnostics: [Diagnostic] = []
        let trace = model.trace(input: [2, 3, 64, 64], diagnostics: &diagnostics)
        XCTAssertEqual(diagnostics.map(\.message), [])
        XCTAssertEqual(model.outputShapes(trace).first, [2, 4 + 3, 84])
        let vocab = try XCTUnwrap(infos.firstIndex { $0.name.hasSuffix("lrpc.1.vocab.weight") })
        for shape in [[4, infos[vocab].shape[1]], [1 << 40, infos[vocab].shape[1]], [3, infos[vocab].shape[1], 1]] {
            var hostile = infos
            hostile[vocab].shape = shape
            XCTAssertThrowsError(try model.loadWeights(DeclaredTensors(hostile))) { error in
                XCTAssertTrue("\(error)".contains("lrpc.1.vocab.weight"), "\(shape): \(error)")
            }
        }
    }
}
