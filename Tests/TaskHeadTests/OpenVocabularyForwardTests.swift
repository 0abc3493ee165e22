import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// YOLO-World and YOLOE against Ultralytics' export-mode outputs with the same class (text)
/// embeddings and seeded weights (scripts/fixtures/gen_open_vocabulary_fixtures.py); the
/// kernels of their attention and contrastive heads against their plain loops. An extension of
/// TaskForwardTests, whose input and per-part comparisons these share.
extension TaskForwardTests {
    static let openVocabularyCases = [
        "yolov8s-worldv2_b1_160x224", "yolov8s-worldv2_b2_160x224", "yolov8n-world_b2_96x128",
        "yoloe-11s_b1_160x224", "yoloe-11n-seg_b2_96x128", "yoloe-v8n_b2_96x64",
        "yoloe-26n-seg_b1_96x128", "yoloe-26n-seg_e2e_b2_96x128", "yoloe-26s_e2e_b1_64x96",
    ]


    func standardRegistry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    /// The fixture's model, built from the stock file copied beside it, with the seeded weights.
    func openVocabularyModel(_ fixture: SafeTensorsFile, _ name: String) throws -> Model {
        let config = try XCTUnwrap(fixture.metadata["config"])
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/openvocab/" + config.replacingOccurrences(of: "/", with: "-"),
                                                  withExtension: nil), "\(config) not copied beside the fixtures")
        let report = checkYAML(try String(contentsOf: url, encoding: .utf8), registry: try standardRegistry(), file: config,
                               scale: fixture.metadata["scale"])
        XCTAssertTrue(report.isValid, "\(name): \(report.diagnostics)")
        // ImagePoolingAttn's output is unread on purpose: its work is updating the embeddings.
        XCTAssertEqual(report.diagnostics.filter { $0.severity == .warning }.map(\.message), [], name)
        let model = try XCTUnwrap(report.model, name)
        XCTAssertEqual(model.parameterCount, Int(fixture.metadata["parameters"] ?? ""), "\(name): parameters")
        try model.initializeSeededWeights(seed: 0)
        return model
    }

    func openVocabularyFixture(_ name: String) throws -> SafeTensorsFile {
        try safeTensorsFixture("openvocab/\(name)", in: .module, generator: "gen_open_vocabulary_fixtures.py")
    }

    func testOpenVocabularyModelsMatchPyTorchExportOutputs() throws {
        for name in Self.openVocabularyCases {
            let fixture = try openVocabularyFixture(name)
            let model = try openVocabularyModel(fixture, name)
            let backend = CPUBackend()
            let embeddings = try model.checkedClassEmbeddings(try fixture.tensor("embeddings"), classes: nil)
            backend.sideInputs.provide(ClassEmbeddings.name, embeddings)
            let expected = try fixture.entries.map(\.name).filter { $0.hasPrefix("output") }.sorted().map { try fixture.tensor($0) }
            let endToEnd = fixture.metadata["end2end"] == "1"
            if endToEnd { XCTAssertTrue(model.setEndToEnd(true), "\(name): no one-to-one branches") }
            let outputs = try model.forwardOutputs(try seededInput(fixture), on: backend)
            XCTAssertEqual(outputs.map(\.shape), expected.map(\.shape), name)
            guard outputs.count == expected.count else { continue }
            assertOutputsMatch(outputs, expected, name, model: model, nc: embeddings.shape[1], endToEnd: endToEnd)
        }
    }

    /// Every state_dict key of the PyTorch model with its shape, and no other.
    func testOpenVocabularyStateDictKeysAndShapesMatchPyTorch() throws {
        for name in Self.openVocabularyCases {
            let fixture = try openVocabularyFixture(name)
            let model = try openVocabularyModel(fixture, name)
            let json = try XCTUnwrap(fixture.metadata["keys"]?.data(using: .utf8))
            let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [[Any]])
            let pytorch = expected.compactMap { entry -> String? in
                guard let key = entry.first as? String, let shape = entry.last as? [Int] else { return nil }
                return "\(key) \(shape)"
            }
            XCTAssertEqual(model.namedTensors().map { "\($0.key) \($0.parameter.shape)" }, pytorch, "\(name): keys, shapes or order")
        }
    }

    /// Without embeddings, running names the layer and the shape it needs; embeddings of the
    /// wrong size or class count are refused with what was expected.
    func testMissingOrMismatchedClassEmbeddingsAreExplained() throws {
        let fixture = try openVocabularyFixture("yolov8n-world_b2_96x128")
        let model = try openVocabularyModel(fixture, "yolov8n-world")
        let input = try seededInput(fixture)
        XCTAssertThrowsError(try model.forward(input)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("C2fAttn reads the class embeddings [N, nc, 512], but none were given"), text)
            XCTAssertTrue(text.contains("--embeddings"), text)
        }
        XCTAssertThrowsError(try model.checkedClassEmbeddings(try Tensor(shape: [3, 256]), classes: nil)) { error in
            XCTAssertTrue("\(error)".contains("[N, nc, 512] or [nc, 512], got [3, 256]"), "\(error)")
        }
        XCTAssertThrowsError(try model.checkedClassEmbeddings(try Tensor(shape: [4, 512]), classes: 3)) { error in
            XCTAssertTrue("\(error)".contains("hold 4 classes, but the model names 3"), "\(error)")
        }
        let backend = CPUBackend()
        backend.sideInputs.provide(ClassEmbeddings.name, try Tensor(shape: [3, 7, 512]))
        XCTAssertThrowsError(try model.forward(input, on: backend)) { error in
            XCTAssertTrue("\(error)".contains("has batch 3, but the images have batch 2"), "\(error)")
        }
    }

    /// Each new module alone, on random odd shapes with random weights: the PyTorch module's
    /// keys and its output (ImagePoolingAttn's: the class embeddings it leaves).
    func testOpenVocabularyModulesMatchPyTorch() throws {
        func run(_ name: String, _ module: any Module,
                 _ body: (SafeTensorsFile, Tensor, CPUBackend) throws -> Tensor) throws {
            let f = try openVocabularyFixture("module_\(name)")
            XCTAssertEqual(Set(module.namedTensors().map { "module." + $0.key }),
                           Set(f.entries.map(\.name).filter { $0.hasPrefix("module.") }), name)
            try loadTensors(module, from: f, keyPrefix: "module.", prepare: true)
            let text = try f.tensor("text"), backend = CPUBackend()
            backend.sideInputs.provide(ClassEmbeddings.name, text)
            try backend.sideInputs.beginPass(batch: text.shape[0], on: backend)
            let error = relativeError(try body(f, text, backend), try f.tensor("output"))
            print("\(name): max relative error \(error)")
            XCTAssertLessThan(error, 1e-4, name)
        }
        let attention = try MaxSigmoidAttnBlock(13, 12, nh: 3, ec: 12, gc: 20, scale: true)
        try run("max_sigmoid_attn", attention) { f, text, backend in try attention(try f.tensor("input"), guide: text, on: backend) }
        let c2f = try C2fAttn(10, 12, n: 2, ec: 6, nh: 3, gc: 20, shortcut: true)
        try run("c2f_attn", c2f) { f, _, backend in try c2f(try f.tensor("input"), on: backend) }
        let pooling = try ImagePoolingAttn(ec: 12, ch: [5, 7], ct: 20, nh: 3, k: 2, scale: true)
        try run("image_pooling_attn", pooling) { f, _, backend in
            _ = try pooling.forward([try f.tensor("input0"), try f.tensor("input1")], on: backend)
            return try XCTUnwrap(backend.sideInputs.current(ClassEmbeddings.name))
        }
        let contrastive = ContrastiveHead(), bn = BNContrastiveHead(9)
        try run("contrastive_head", contrastive) { f, text, backend in try contrastive(try f.tensor("input"), text: text, on: backend) }
        try run("bn_contrastive_head", bn) { f, text, backend in try bn(try f.tensor("input"), text: text, on: backend) }
    }

    /// Rows Ultralytics refuses are refused at the row, saying why.
    func testOpenVocabularyRowsUltralyticsRefusesAreDiagnosed() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/openvocab/v8-yolov8-worldv2.yaml", withExtension: nil))
        let base = try String(contentsOf: url, encoding: .utf8)
        assertDiagnoses([
            DiagnosticCase("nh does not divide the hidden channels", base: base, replacing: "C2fAttn, [256, 128, 4]]",
                           with: "C2fAttn, [256, 128, 3]]", line: 39, at: "[256, 128, 3]",
                           fragments: ["C2fAttn hidden channels 160 (from c2=320) must be divisible by nh=3"]),
            DiagnosticCase("YOLOE without batch-norm heads", base: base, replacing: "WorldDetect, [nc, 512, True]]",
                           with: "YOLOEDetect, [nc, 512, False]]", line: 49, at: "False",
                           fragments: ["YOLOEDetect requires with_bn=True"]),
            DiagnosticCase("ImagePoolingAttn with too many arguments", base: base, replacing: "  - [-1, 1, nn.Upsample, [None, 2, \"nearest\"]]\n  - [[-1, 4]",
                           with: "  - [[-1, 6], 1, ImagePoolingAttn, [8, 512, 8, 3, False, 1]]\n  - [[-1, 4]", line: 37,
                           at: "1]]", fragments: ["ImagePoolingAttn takes at most 5 arguments [ec=256, ct=512, nh=8, k=3, scale=False], got 6"]),
            DiagnosticCase("WorldDetect end-to-end", base: base, replacing: "nc: 80 # number of classes",
                           with: "nc: 80 # number of classes\nend2end: True", line: 50, at: "WorldDetect",
                           fragments: ["WorldDetect has no end-to-end form in Ultralytics 8.4", "its forward never runs them",
                                       "remove 'end2end: True'"]),
        ], registry: try standardRegistry(), scale: "x")
    }

    /// The GEMM kernels of the max-sigmoid attention and the contrastive scores equal their
    /// plain loops on random shapes with odd sizes.
    func testOpenVocabularyKernelsMatchTheirReferenceLoops() throws {
        var random = SystemRandomNumberGenerator()
        func tensor(_ shape: [Int]) throws -> Tensor {
            try Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &random) })
        }
        for (batch, heads, hc, nc, h, w, cpg) in [(1, 1, 3, 5, 7, 9, 3), (2, 3, 5, 11, 5, 13, 7), (1, 5, 1, 1, 1, 3, 1)] {
            let p = MaxSigmoidProblem(embed: try tensor([batch, heads * hc, h, w]), guide: try tensor([batch, nc, heads * hc]),
                                      image: try tensor([batch, heads * cpg, h, w]), heads: heads)
            let bias = try tensor([heads]), scale = try tensor([heads])
            let fast = try Tensor(shape: p.image.shape), slow = try Tensor(shape: p.image.shape)
            let context = ExecutionContext()
            maxSigmoidAttention(p, bias: bias.pointer, scale: scale.pointer, output: fast.pointer,
                                scores: try context.scratch(nc * h * w, slot: 0), weights: try context.scratch(h * w, slot: 1),
                                context: context)
            maxSigmoidAttentionReference(p, bias: bias.pointer, scale: scale.pointer, output: slow.pointer)
            XCTAssertLessThan(relativeError(fast, slow), 1e-5, "max-sigmoid \(p.image.shape) heads \(heads) nc \(nc)")
            for (normalizes, batchNorm) in [(true, false), (false, false), (false, true)] {
                let depth = 2 * hc + 1
                var q = ContrastiveProblem(x: try tensor([batch, depth, h, w]), text: try tensor([batch, nc, depth]),
                                           normalizesImage: normalizes, scale: 1.7, bias: -0.3)
                let norm = BatchNorm2d(depth, eps: 1e-3)
                for p in [norm.weight, norm.bias, norm.runningMean] { p.value = try tensor([depth]) }
                norm.runningVar.value = try Tensor(shape: [depth], data: (0..<depth).map { _ in Float.random(in: 0.2...2, using: &random) })
                if batchNorm { q.affine = try ChannelAffine(norm, into: try context.scratch(2 * depth, slot: 2)) }
                let a = try Tensor(shape: [batch, nc, h, w]), b = try Tensor(shape: [batch, nc, h, w])
                contrastiveScores(q, output: a.pointer, rows: try context.scratch(nc * (depth + 1), slot: 0),
                                  norms: try context.scratch(h * w, slot: 1), context: context)
                contrastiveScoresReference(q, output: b.pointer)
                XCTAssertLessThan(relativeError(a, b), 1e-5, "contrastive \(q.x.shape) nc \(nc) normalised \(normalizes) batch norm \(batchNorm)")
            }
        }
    }
}
