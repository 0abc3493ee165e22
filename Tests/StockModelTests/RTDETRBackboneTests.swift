import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// RT-DETR's backbone and encoder layers (HGStem, HGBlock, AIFI, RepC3) against their
/// Ultralytics twins, and every row before the decoder of the stock RT-DETR files against
/// Ultralytics' parameters and GFLOPs. Fixtures from scripts/fixtures/gen_rtdetr_fixtures.py.
final class RTDETRBackboneTests: XCTestCase {
    static let modules = ["hgstem", "hgblock_conv", "hgblock_light_shortcut", "hgblock_light", "aifi", "aifi_prenorm",
                          "repc3", "repc3_e05"]

    func registry() throws -> LayerRegistry {
        var registry = LayerRegistry()
        try StandardLayers.register(into: &registry)
        return registry
    }

    func fixture(_ name: String) throws -> SafeTensorsFile {
        try safeTensorsFixture("rtdetr/\(name)", in: Bundle.module, generator: "gen_rtdetr_fixtures.py")
    }

    func fixtures() throws -> ModuleFixtures {
        ModuleFixtures(registry: try registry()) { name throws in try self.fixture(name) }
    }

    func testModulesMatchPyTorch() throws {
        let fixtures = try fixtures()
        try fixtures.assertKeysShapesAndCounts(Self.modules)
        let worst = try fixtures.assertOutputs(Self.modules)
        try fixtures.assertMacs(Self.modules)
        print("RT-DETR modules: max relative error \(worst) over \(Self.modules.count) cases")
    }

    /// `fuse` turns RepC3's RepConvs into their deployed 3×3 convolutions; the output stays.
    func testRepC3FusesItsRepConvs() throws {
        let fixtures = try fixtures()
        for name in ["repc3", "repc3_e05"] {
            let f = try fixtures.fixture("module_\(name)")
            let layer = try XCTUnwrap(try fixtures.loadedModule(f) as? RepC3, name)
            let repConvs = layer.m.modules.compactMap { $0 as? RepConv }
            XCTAssertEqual(repConvs.count, layer.m.modules.count, name)
            for conv in repConvs {
                try conv.fuse()
                try conv.prepareTreeForInference()
            }
            let keys = layer.namedTensors().map(\.key).filter { $0.hasPrefix("m.") }
            XCTAssertEqual(keys, (0..<repConvs.count).flatMap { ["m.\($0).conv.weight", "m.\($0).conv.bias"] }, name)
            let error = relativeError(try layer.forward([try f.tensor("input")], on: CPUBackend()), try f.tensor("output"))
            XCTAssertLessThan(error, 1e-4, name)
        }
    }

    /// The stock file without its decoder row (RTDETRDecoder is another layer's business).
    func backboneText(_ file: String) throws -> String {
        let text = try resourceText("stock/" + file.replacingOccurrences(of: ".yaml", with: ""), "yaml", in: Bundle.module)
        let lines = text.components(separatedBy: "\n")
        XCTAssertEqual(lines.filter { $0.contains("RTDETRDecoder") && $0.trimmingCharacters(in: .whitespaces).hasPrefix("-") }.count, 1, file)
        return lines.filter { !($0.contains("RTDETRDecoder") && $0.trimmingCharacters(in: .whitespaces).hasPrefix("-")) }
            .joined(separator: "\n")
    }

    struct LayerMACs: Decodable {
        var config: String
        var imgsz: [Int]
        var layer_macs: [Int]
    }

    /// Every row of rtdetr-l, -x, -resnet50 and -resnet101 before the decoder has Ultralytics'
    /// parameters (stock_counts.json) and thop's MACs at 640×640 and 384×640.
    func testBackboneRowsMatchUltralyticsCounts() throws {
        let stockURL = try XCTUnwrap(Bundle.module.url(forResource: "Resources/stock_counts", withExtension: "json"))
        let stock = try JSONDecoder().decode(StockModelTests.Reference.self, from: Data(contentsOf: stockURL))
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Resources/rtdetr/backbone_counts", withExtension: "json"))
        let counts = try JSONDecoder().decode([LayerMACs].self, from: Data(contentsOf: url))
        let registry = try registry()
        var rows = 0
        for file in ["rt-detr/rtdetr-l.yaml", "rt-detr/rtdetr-x.yaml", "rt-detr/rtdetr-resnet50.yaml", "rt-detr/rtdetr-resnet101.yaml"] {
            let reference = try XCTUnwrap(stock.files.first { $0.file == file }?.cases.first, file)
            let text = try backboneText(file)
            let sizes = counts.filter { $0.config == file }
            XCTAssertEqual(sizes.count, 2, file)
            for size in sizes {
                let label = "\(file) at \(size.imgsz)"
                let report = checkYAML(text, registry: registry, file: file, scale: reference.scale, imgsz: (size.imgsz[0], size.imgsz[1]))
                XCTAssertFalse(report.diagnostics.containsError, "\(label): \(report.diagnostics)")
                let model = try XCTUnwrap(report.model, label), trace = try XCTUnwrap(report.trace, label)
                XCTAssertEqual(model.nodes.map(\.layer.parameterCount), Array(reference.layer_parameters.dropLast()), label)
                XCTAssertEqual(trace.macs, size.layer_macs, label)
                rows += trace.macs.count
            }
        }
        print("RT-DETR backbones: \(rows) rows match Ultralytics' parameters and MACs")
    }

    /// rtdetr-l up to the decoder's inputs (P3, P4 and P5, brought to P3's size and
    /// concatenated) with seeded weights against Ultralytics.
    func testRTDETRLNeckMatchesUltralytics() throws {
        let f = try fixture("model_rtdetr-l-neck")
        let yaml = try resourceText("rtdetr/rtdetr-l-neck", "yaml", in: Bundle.module)
        let report = checkYAML(yaml, registry: try registry(), file: "rtdetr-l-neck.yaml")
        XCTAssertFalse(report.diagnostics.containsError, "\(report.diagnostics)")
        let model = try XCTUnwrap(report.model)
        XCTAssertEqual(model.parameterCount, Int(f.metadata["parameters"] ?? ""))
        try model.initializeSeededWeights(seed: 0)
        let output = try model.forward(try f.tensor("input")), expected = try f.tensor("output")
        XCTAssertEqual(output.shape, expected.shape)
        let error = relativeError(output, expected)
        print("rtdetr-l backbone + AIFI + neck: max relative error \(error)")
        XCTAssertLessThan(error, 1e-4)
    }
}
