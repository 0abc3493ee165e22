import Foundation
import LayerZoo
import LayerZooServe
import LayerZooTestSupport
import XCTest
import ZooCPU

/// `--embeddings` of the server (`ModelSpec.embeddings`): an open-vocabulary model (YOLOE-26,
/// end-to-end) served with class embeddings from a .npy predicts as `layerzoo predict
/// --embeddings` does; a model that needs them and has none, or a file that does not fit, is
/// refused at load, saying what is expected.
final class OpenVocabularyServeTests: XCTestCase {
    static let model = "Tests/StockModelTests/Resources/stock/26/yoloe-26-seg.yaml"

    /// Random [1, classes, 512] embeddings written to a .npy in a fresh folder.
    func embeddingsFile(classes: Int, dimension: Int = 512) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-serve-embeddings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        var random = FuzzRandom(state: UInt64(classes * 7919 + dimension))
        let values = (0..<(classes * dimension)).map { _ in Float(random.below(2001)) / 1000 - 1 }
        let path = folder.appendingPathComponent("classes.npy").path
        try NPY.write(try Tensor(shape: [1, classes, dimension], data: values), to: path)
        return path
    }

    func spec(embeddings: String?) -> ModelSpec {
        var spec = ModelSpec(name: "yoloe", path: repositoryRoot.appendingPathComponent(Self.model).path)
        spec.scale = "n"
        spec.embeddings = embeddings
        (spec.imageHeight, spec.imageWidth) = (96, 96)
        return spec
    }

    func testPredictRouteUsesTheGivenEmbeddingsAsLayerZooPredictDoes() async throws {
        let embeddings = try embeddingsFile(classes: 3)
        let image = "Demo/images/val_0042.jpg"
        let cli = try runProgram(try builtProgram(named: "layerzoo"),
                                 ["predict", Self.model, image, "--scale", "n", "--imgsz", "96", "--conf", "0.001", "--max-det", "20",
                                  "--embeddings", embeddings, "--format", "json", "--no-save", "--end2end"])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let line = try XCTUnwrap(cli.stdout.split(separator: "\n").first)
        let want = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])

        let server = try await TestServer([spec(embeddings: embeddings)])
        defer { server.stop() }
        let bytes = try Data(contentsOf: repositoryRoot.appendingPathComponent(image))
        let answer = try await server.post("/v2/models/yoloe/predict?conf=0.001&max_det=20&end2end=true", bytes, headers: ["Content-Type": "image/jpeg"])
        XCTAssertEqual(answer.status, 200, answer.text)
        let results = try XCTUnwrap(try answer.json()["results"] as? [[String: Any]])
        XCTAssertEqual(results as NSArray, try XCTUnwrap(want["results"] as? NSArray))
        XCTAssertFalse(results.isEmpty, "seeded weights at conf 0.001 find something")
        XCTAssertEqual(Set(results.compactMap { $0["class"] as? Int }).subtracting(0..<3), [], "only the embeddings' 3 classes")
    }

    func testModelsWithoutFittingEmbeddingsAreRefusedAtLoad() throws {
        let cases: [(String?, String)] = [
            (nil, "pass --embeddings yoloe=E.npy"),
            (try embeddingsFile(classes: 3, dimension: 64), "512"),
        ]
        for (embeddings, expected) in cases {
            let registry = try ServeRegistry.make(plugins: [])
            XCTAssertThrowsError(try ServedModel.load(spec(embeddings: embeddings), registry: registry, workers: 1,
                                                      settings: ModelWorkers.Settings(), metrics: ServerMetrics())) { error in
                let text = (error as? ServedModel.LoadFailure)?.diagnostics.map(\.description).joined(separator: "\n") ?? "\(error)"
                XCTAssertTrue(text.contains(expected), "\(embeddings ?? "no embeddings"): \(text)")
            }
        }
    }
}
