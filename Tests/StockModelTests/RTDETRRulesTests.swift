import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// parse_model's rules for RT-DETR's layers as LayerZoo reads them, their diagnostics, and
/// the layer-norm kernel against its reference.
final class RTDETRRulesTests: XCTestCase {
    func registry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    func yaml(_ rows: [String], depth: Double = 1.0) -> String {
        """
        nc: 80
        scales:
          l: [\(depth), 1.00, 1024]
        backbone:
        \(rows.map { "  - \($0)" }.joined(separator: "\n"))
        head:
          - [-1, 1, Conv, [16, 1, 1]]
        """
    }

    func layer<T>(_ rows: [String], _ index: Int, as type: T.Type, depth: Double = 1.0) throws -> (T, ModelNode) {
        let report = checkYAML(yaml(rows, depth: depth), registry: try registry(), scale: "l", imgsz: (64, 96))
        XCTAssertFalse(report.diagnostics.containsError, "\(report.diagnostics)")
        let node = try XCTUnwrap(report.model?.nodes[index])
        return (try XCTUnwrap(node.layer as? T), node)
    }

    /// HGBlock's repeats become its `n` (args.insert(4, n), depth-gained, built once); a row
    /// without `k` gets them as k, since Python's insert appends past the end; the output has
    /// the written c2 and HGStem's too (no width scaling).
    func testHGBlockTakesTheRepeatsAsItsN() throws {
        let stem = "[-1, 1, HGStem, [16, 24]]"
        let (block, node) = try layer([stem, "[-1, 6, HGBlock, [12, 40, 5, True, True]]"], 1, as: HGBlock.self, depth: 0.5)
        XCTAssertEqual(block.m.modules.count, 3)
        XCTAssertTrue(block.m.modules.allSatisfy { $0 is LightConv })
        XCTAssertEqual((block.m.modules.first as? LightConv)?.conv2.conv.kernel, IntOrPair(5))
        XCTAssertEqual(node.arguments, [.int(24), .int(12), .int(40), .int(5), .int(3), .bool(true), .bool(true)])
        XCTAssertEqual(node.outChannels, 40)
        XCTAssertFalse(block.add, "shortcut needs c1 == c2")

        let (short, shortNode) = try layer([stem, "[-1, 5, HGBlock, [12, 40]]"], 1, as: HGBlock.self)
        XCTAssertEqual(shortNode.arguments, [.int(24), .int(12), .int(40), .int(5)])
        XCTAssertEqual(short.m.modules.count, 6, "n keeps its default")
        XCTAssertEqual((short.m.modules.first as? Conv)?.conv.kernel, IntOrPair(5), "the repeats became k")

        let (_, stemNode) = try layer([stem], 0, as: HGStem.self)
        XCTAssertEqual(stemNode.outChannels, 24)
        let (repc3, repNode) = try layer([stem, "[-1, 3, RepC3, [20, 0.5]]"], 1, as: RepC3.self)
        XCTAssertEqual(repc3.m.modules.count, 3)
        XCTAssertNotNil(repc3.cv3)
        XCTAssertEqual(repNode.arguments, [.int(24), .int(24), .int(3), .float(0.5)])
    }

    func testInvalidRowsAreDiagnosedWhereTheyAre() throws {
        let base = yaml(["[-1, 1, HGStem, [16, 24]]", "[-1, 1, AIFI, [64, 8]]"])
        let aifi = 6
        assertDiagnoses([
            DiagnosticCase("AIFI c1 not divisible by 4", base: base, replacing: "[16, 24]]", with: "[16, 30]]", line: aifi,
                           at: "-1", fragments: ["divisible by 4", "30"]),
            DiagnosticCase("AIFI heads not dividing c1", base: base, replacing: "[64, 8]", with: "[64, 7]", line: aifi,
                           at: "7", fragments: ["num_heads", "24"]),
            DiagnosticCase("AIFI act given", base: base, replacing: "[64, 8]", with: "[64, 8, 0.0, 'nn.ReLU()']", line: aifi,
                           at: "'nn.ReLU()'", fragments: ["act must be None"]),
            DiagnosticCase("HGStem c2 missing", base: base, replacing: "[16, 24]", with: "[16]", line: 5,
                           at: "[16]", fragments: ["HGStem needs at least 2 arguments"]),
            DiagnosticCase("HGBlock c2 not an integer", base: base, replacing: "[-1, 1, AIFI, [64, 8]]",
                           with: "[-1, 1, HGBlock, [12, 'wide']]", line: aifi, at: "[12", fragments: ["output channels c2"]),
        ], registry: try registry(), scale: "l")
    }

    /// `model.fuse()` folds RepC3's RepConvs (and every Conv's batch norm) into their deployed
    /// form: the keys say so, the output stays, and the written file loads back.
    func testFuseWritesRepC3sDeployedFormWhichLoadsBack() throws {
        let text = yaml(["[-1, 1, HGStem, [16, 24]]", "[-1, 2, RepC3, [24]]", "[-1, 1, AIFI, [48, 4]]", "[-1, 1, RepC3, [20, 0.5]]"])
        func model() throws -> Model {
            let report = checkYAML(text, registry: try registry(), scale: "l", imgsz: (64, 96))
            XCTAssertFalse(report.diagnostics.containsError, "\(report.diagnostics)")
            return try XCTUnwrap(report.model)
        }
        let m = try model()
        try m.initializeSeededWeights(seed: 0)
        let input = try Tensor(shape: [2, 3, 64, 96], data: (0..<(2 * 3 * 64 * 96)).map { Float(($0 * 7_919) % 1_000) / 500 - 1 })
        let expected = try m.forward(input)
        let report = try m.fuse()
        XCTAssertEqual(report.fused[.reparameterization], 3)
        let keys = m.namedTensors().map(\.key)
        XCTAssertTrue(keys.contains("model.1.m.1.conv.bias") && keys.contains("model.3.m.0.conv.weight"), "\(keys)")
        XCTAssertFalse(keys.contains { $0.contains("conv1") || $0.contains(".bn.") }, "\(keys)")
        XCTAssertLessThan(relativeError(try m.forward(input), expected), 1e-4)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rtdetr-fused-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSafeTensors(try m.stateDict(), to: path)
        let fresh = try model()
        try fresh.loadWeights(try SafeTensorsFile(path: path))
        XCTAssertLessThan(relativeError(try fresh.forward(input), expected), 1e-4, "the fused file loaded")
    }

    /// The layer-norm kernel against its double-precision loop on random shapes (odd
    /// channel counts, position counts around the 64-wide blocks).
    func testLayerNormKernelMatchesReference() throws {
        var rng = FuzzRandom(state: 20)
        func random(_ count: Int, spread: Float, offset: Float = 0) -> [Float] {
            (0..<count).map { _ in (Float(rng.below(2_000_001)) / 1_000_000 - 1) * spread + offset }
        }
        for trial in 0..<16 {
            let c = 1 + rng.below(40), h = 1 + rng.below(9), w = 1 + rng.below(17), n = 1 + rng.below(2)
            let norm = try ChannelLayerNorm(c)
            norm.weight.value = try Tensor(shape: [c], data: random(c, spread: 1.5))
            norm.bias.value = try Tensor(shape: [c], data: random(c, spread: 0.5))
            let op = ChannelLayerNormOperation(weight: norm.weight, bias: norm.bias, eps: norm.eps)
            let x = try Tensor(shape: [n, c, h, w], data: random(n * c * h * w, spread: 3, offset: 2))
            let fast = try CPUBackend().custom([x], op), slow = try op.reference(x)
            XCTAssertLessThan(relativeError(fast, slow), 1e-5, "trial \(trial): [\(n), \(c), \(h), \(w)]")
            XCTAssertEqual(op.macs([x.shape]), 4 * x.count)
        }
    }
}
