import Foundation
import ZooCPU
import XCTest

/// The CLI faces of the plugin hooks: model transforms (`--transform dsconv-quantize=N`, and its
/// `--dsconv-bits` shorthand), `fuse` (alias `reparam`) and `info --fused`.
final class PluginCommandTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-plugcmd-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testDSConvQuantisedRunReportsBytesAndError() throws {
        let r = try runLayerZoo(["run", "yolov8n-dsconv.yaml", "--imgsz", "64", "--transform", "dsconv-quantize=8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("DSConv 8-bit (blocks of 32 channels): 16 layers, weights 4.00 MiB → 1.13 MiB (3.55× smaller)"), r.stdout)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("transformed output vs original") })
        // "max relative error 1.6e-06 (boxes ..., scores ...)": the overall figure stays under 1e-2, and is not 0.
        let relative = try XCTUnwrap(line.split(separator: " ").dropFirst(7).first.flatMap { Double($0) })
        XCTAssertLessThan(relative, 1e-2, String(line))
        XCTAssertGreaterThan(relative, 0, String(line))

        let info = try runLayerZoo(["info", "yolov8n-dsconv.yaml", "--dsconv-bits", "4"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("DSConv 4-bit (blocks of 32 channels): 16 layers, weights 4.00 MiB → 640.7 KiB (6.39× smaller)"), info.stdout)

        XCTAssertEqual(try runLayerZoo(["run", "yolov8n-dsconv.yaml", "--dsconv-bits", "9"]).status, 64)
        let unknown = try runLayerZoo(["run", "yolov8n-dsconv.yaml", "--transform", "dsconv-quantise=4"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("registered: dsconv-quantize"), unknown.stderr)
        let listed = try runLayerZoo(["layers"])
        XCTAssertTrue(listed.stdout.contains("dsconv-quantize=bits (2…8)"), listed.stdout)
    }

    func testReparamWritesDeployedWeightsThatRunTheSame() throws {
        let deployed = scratch.appendingPathComponent("deployed.safetensors").path
        let r = try runLayerZoo(["reparam", "yolov8n-dbb.yaml", "--imgsz", "64", "--reparam-only", "--output", deployed])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("22 layers reparameterised;"), r.stdout)
        let file = try SafeTensorsFile(path: deployed)
        XCTAssertNotNil(file.entry("model.2.m.0.cv1.dbb_reparam.weight"))
        XCTAssertNil(file.entry("model.2.m.0.cv1.dbb_origin.conv.weight"))
        XCTAssertNotNil(file.entry("model.0.bn.running_var"), "--reparam-only keeps the Convs' batch norms")

        let seededOut = scratch.appendingPathComponent("a.npy").path
        let deployedOut = scratch.appendingPathComponent("b.npy").path
        XCTAssertEqual(try runLayerZoo(["run", "yolov8n-dbb.yaml", "--imgsz", "64", "--output", seededOut]).status, 0)
        let second = try runLayerZoo(["run", "yolov8n-dbb.yaml", "--imgsz", "64", "--weights", deployed, "--output", deployedOut])
        XCTAssertEqual(second.status, 0, second.stderr)
        let a = try NPY.read(path: seededOut).toArray(), b = try NPY.read(path: deployedOut).toArray()
        let scale = a.map(abs).max() ?? 1
        XCTAssertLessThan((zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale, 1e-5)

        let none = try runLayerZoo(["reparam", "yolov8n.yaml", "--reparam-only", "--output", scratch.appendingPathComponent("x.safetensors").path])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("has no layer with a deployed form"), none.stderr)
    }

    /// `fuse` folds every Conv's batch norm too (Ultralytics' model.fuse()): the file has
    /// conv.bias and no bn.*, loads back through the Conv adapter, and runs the same.
    func testFuseFoldsBatchNormsAndLoadsBack() throws {
        let fused = scratch.appendingPathComponent("fused.safetensors").path
        let r = try runLayerZoo(["fuse", "yolov8n-dbb.yaml", "--imgsz", "64", "--output", fused])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("batch norms folded, 22 layers reparameterised"), r.stdout)
        let file = try SafeTensorsFile(path: fused)
        XCTAssertNotNil(file.entry("model.0.conv.bias"))
        XCTAssertNil(file.entry("model.0.bn.weight"))
        XCTAssertFalse(file.names.contains { $0.contains(".bn.") || $0.hasSuffix("running_mean") }, "every batch norm is folded")

        let seededOut = scratch.appendingPathComponent("s.npy").path, fusedOut = scratch.appendingPathComponent("f.npy").path
        XCTAssertEqual(try runLayerZoo(["run", "yolov8n-dbb.yaml", "--imgsz", "64", "--output", seededOut]).status, 0)
        let again = try runLayerZoo(["run", "yolov8n-dbb.yaml", "--imgsz", "64", "--weights", fused, "--output", fusedOut])
        XCTAssertEqual(again.status, 0, again.stderr)
        let a = try NPY.read(path: seededOut).toArray(), b = try NPY.read(path: fusedOut).toArray()
        let scale = a.map(abs).max() ?? 1
        XCTAssertLessThan((zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale, 1e-5)
    }
}
