import Foundation
import LayerZoo
import LayerZooStandard
import LayerZooTestSupport
import ZooCPU
import XCTest

/// One module name, several definitions: the registry keeps every variant, the builder uses the
/// default with a note, `--define` (CheckOptions.variants) picks one, and weights pick the one
/// whose tensors fit.
final class VariantTests: XCTestCase {
    /// `Twin` as a 1×1 Conv ("pointwise", registered first: the default) or a 3×3 Conv.
    func twin(_ variant: String, k: Int) -> LayerDefinition {
        LayerDefinition(name: "Twin", arguments: ArgumentSpec.convolution(), role: .convLike,
                        summary: "a \(k)×\(k) Conv", origin: "lineage-\(variant)", variant: variant,
                        make: { args, _ throws(LayerError) in try Conv(args.int("c1"), args.int("c2"), k: IntOrPair(k)) })
    }

    func registry() throws -> LayerRegistry {
        var registry = try testRegistry()
        try registry.register(twin("pointwise", k: 1))
        try registry.register(twin("spatial", k: 3))
        return registry
    }

    let yaml = """
    nc: 2
    backbone:
      - [-1, 1, Conv, [16, 3, 2]]
      - [-1, 1, Twin, [32]]
    head:
      - [[-1], 1, Detect, [nc]]
    """

    func check(_ registry: LayerRegistry, variants: [String: String] = [:]) -> CheckReport {
        var options = CheckOptions(imageHeight: 64, imageWidth: 64)
        options.variants = variants
        return ModelChecker(registry: registry).check(ConfigSource(displayPath: "m.yaml", text: yaml, scaleFromName: nil),
                                                      options: options)
    }

    func testDefaultIsUsedWithANoteListingTheOthers() throws {
        let report = check(try registry())
        XCTAssertTrue(report.isValid, "\(report.diagnostics)")
        XCTAssertEqual(report.model?.nodes[1].definition.variant, "pointwise")
        let note = try XCTUnwrap(report.diagnostics.first { $0.code == "ambiguous-module" })
        XCTAssertEqual(note.severity, .note)
        XCTAssertEqual(note.location?.line, 4)
        XCTAssertTrue(note.message.contains("'Twin' has 2 definitions; used 'pointwise'"), note.message)
        XCTAssertTrue(note.notes.contains { $0.message.contains("'spatial' (lineage-spatial") }, "\(note.notes)")
    }

    func testDefineChoosesAndAnUnknownVariantIsAnError() throws {
        let chosen = check(try registry(), variants: ["Twin": "spatial"])
        XCTAssertTrue(chosen.isValid)
        XCTAssertEqual(chosen.model?.nodes[1].definition.variant, "spatial")
        XCTAssertNil(chosen.diagnostics.first { $0.code == "ambiguous-module" }, "an explicit choice needs no note")
        let bad = check(try registry(), variants: ["Twin": "sptial"])
        XCTAssertFalse(bad.isValid)
        XCTAssertTrue(bad.errors.first?.message.contains("'Twin' has no variant 'sptial'; its variants: pointwise, spatial") ?? false,
                      "\(bad.errors)")
    }

    /// Weights of the non-default variant (its 3×3 kernel) make the checker pick it.
    func testWeightsPickTheVariantWhoseTensorsFit() throws {
        let registry = try registry()
        let spatial = try XCTUnwrap(check(registry, variants: ["Twin": "spatial"]).model)
        try spatial.initializeSeededWeights(seed: 3)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("twin-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSafeTensors(try spatial.stateDict(), to: path)
        let weights = try SafeTensorsFile(path: path)
        let report = ModelChecker(registry: registry).check(
            ConfigSource(displayPath: "m.yaml", text: yaml, scaleFromName: nil),
            options: CheckOptions(imageHeight: 64, imageWidth: 64), fitting: weights)
        XCTAssertEqual(report.model?.nodes[1].definition.variant, "spatial")
        XCTAssertTrue(report.diagnostics.contains { $0.message.contains("'Twin': picked variant 'spatial'") }, "\(report.diagnostics)")
        let m = try XCTUnwrap(report.model)
        XCTAssertNoThrow(try m.loadWeights(weights))
    }

    /// The file can say which variant it means (`layerzoo_variants:`); `--define` overrides it.
    func testTheFileNamesItsVariant() throws {
        let registry = try registry()
        let text = "layerzoo_variants:\n  Twin: spatial\n" + yaml
        func checked(_ variants: [String: String], _ text: String) -> CheckReport {
            var options = CheckOptions(imageHeight: 64, imageWidth: 64)
            options.variants = variants
            return ModelChecker(registry: registry).check(ConfigSource(displayPath: "m.yaml", text: text, scaleFromName: nil),
                                                          options: options)
        }
        let fromFile = checked([:], text)
        XCTAssertTrue(fromFile.isValid, "\(fromFile.diagnostics)")
        XCTAssertEqual(fromFile.model?.nodes[1].definition.variant, "spatial")
        XCTAssertFalse(fromFile.diagnostics.contains { $0.message.contains("unknown top-level key") })
        XCTAssertEqual(checked(["Twin": "pointwise"], text).model?.nodes[1].definition.variant, "pointwise")
        let bad = checked([:], "layerzoo_variants: [Twin]\n" + yaml)
        XCTAssertEqual(bad.errors.first?.location?.line, 1)
        XCTAssertTrue(bad.errors.first?.message.contains("'layerzoo_variants' must be a mapping") ?? false, "\(bad.errors)")
    }

    func testRegistrationRules() throws {
        var registry = try registry()
        XCTAssertEqual(registry.variants(named: "Twin").map(\.variant), ["pointwise", "spatial"])
        XCTAssertEqual(registry.definitions.filter { $0.name == "Twin" }.count, 2, "layers lists both")
        XCTAssertThrowsError(try registry.register(twin("spatial", k: 5))) { error in
            XCTAssertTrue("\(error)".contains("variant 'spatial' of layer 'Twin' from lineage-spatial is already registered by lineage-spatial"), "\(error)")
        }
        var plain = LayerRegistry()
        try StandardLayers.register(into: &plain)
        var conv = twin("x", k: 1)
        conv.name = "Conv"
        XCTAssertThrowsError(try plain.register(conv)) { error in
            XCTAssertTrue("\(error)".contains("already registered by LayerZooStandard without a variant name"), "\(error)")
        }
        try registry.register(twin("wide", k: 5), isDefault: true)
        XCTAssertEqual(registry.definition(named: "Twin")?.variant, "wide")
    }
}
