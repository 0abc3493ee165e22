import Foundation
import LayerZoo
import LayerZooTestSupport
import XCTest
import ZooCPU

/// Whole models with SCNet's SCConv family (and the ScConv-based C2f_SCConv variant) against
/// Ultralytics with the PyTorch twins patched in: outputs with seeded weights, counts.
final class SCNetModelTests: XCTestCase {
    func report(_ name: String, scale: String, imgsz: Int = 640, variant: String? = nil) throws -> CheckReport {
        var registry = try plugin.registry()
        if let variant {
            let definition = try XCTUnwrap(registry.definition(named: "C2f_SCConv", variant: variant))
            var only = LayerRegistry()
            for d in registry.definitions where d.name != "C2f_SCConv" && registry.definition(named: d.name)?.variant == d.variant {
                try only.register(d)
            }
            try only.register(definition)
            registry = only
        }
        let report = checkYAML(try plugin.resourceText(name, "yaml"), registry: registry, file: "\(name).yaml", scale: scale,
                               imgsz: (imgsz, imgsz))
        XCTAssertTrue(report.isValid, "\(name) \(scale): \(report.diagnostics)")
        return report
    }

    func testSeededModelsMatchUltralytics() throws {
        for (fixtureName, config, variant) in [("scnet_n_b1_128", "yolo-scnet", nil as String?),
                                               ("scconv2023_n_b1_64", "yolov8-c2f-scconv2023", "scconv-cvpr2023")] {
            let file = try plugin.fixture("model_\(fixtureName)")
            let m = try XCTUnwrap(try report(config, scale: "n", variant: variant).model)
            try assertSeededOutputMatches(m, file, fixtureName)
        }
    }

    typealias Counts = CountsCase

    func testCountsMatchUltralytics() throws {
        for (json, variant, expected) in [("counts", nil as String?, 2), ("counts_scconv2023", "scconv-cvpr2023", 1)] {
            let cases = try JSONDecoder().decode([Counts].self, from: Data(try plugin.resourceText(json, "json").utf8))
            XCTAssertEqual(cases.count, expected)
            for c in cases {
                let name = String(c.config.split(separator: "/").last?.dropLast(5) ?? "")
                let r = try report(name, scale: c.scale, imgsz: c.imgsz, variant: variant)
                let m = try XCTUnwrap(r.model)
                try c.assertMatches(m, trace: r.trace, "\(name) \(c.scale)")
            }
        }
    }

    func testVariants() throws {
        let registry = try plugin.registry()
        for name in ["SCConv", "C2f_SCConv", "C3_SCConv", "C3k2_SCConv"] {
            XCTAssertEqual(registry.definition(named: name)?.variant, "scnet", name)
        }
        XCTAssertEqual(registry.variants(named: "C2f_SCConv").compactMap(\.variant), ["scnet", "scconv-cvpr2023"])
    }
}
