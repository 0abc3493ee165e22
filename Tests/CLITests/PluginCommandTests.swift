import Foundation
import ZooCPU
import XCTest

/// The CLI faces of the seed plugins: `run --dsconv-bits`, `info --dsconv-bits`, `reparam`.
final class PluginCommandTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-plugcmd-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    func testDSConvQuantisedRunReportsBytesAndError() throws {
        let r = try runLayerZoo(["run", "yolov8n-dsconv.yaml", "--imgsz", "64", "--dsconv-bits", "8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("DSConv 8-bit (blocks of 32 channels): 16 layers, weights 4.00 MiB → 1.13 MiB (3.55× smaller)"), r.stdout)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("quantised output vs float") })
        // "(1.66e-06 of max |y| ...)": the first relative figure must stay under 1e-2.
        let relative = try XCTUnwrap(line.split(separator: "(").dropFirst().first?.split(separator: " ").first.flatMap { Double($0) })
        XCTAssertLessThan(relative, 1e-2, String(line))

        let info = try runLayerZoo(["info", "yolov8n-dsconv.yaml", "--dsconv-bits", "4"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("DSConv 4-bit (blocks of 32 channels): 16 layers, weights 4.00 MiB → 640.7 KiB (6.39× smaller)"), info.stdout)

        XCTAssertEqual(try runLayerZoo(["run", "yolov8n-dsconv.yaml", "--dsconv-bits", "9"]).status, 64)
    }

    func testReparamWritesDeployedWeightsThatRunTheSame() throws {
        let deployed = scratch.appendingPathComponent("deployed.safetensors").path
        let r = try runLayerZoo(["reparam", "yolov8n-dbb.yaml", "--imgsz", "64", "--output", deployed])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("22 DiverseBranchBlocks in deployed form"), r.stdout)
        let file = try SafeTensorsFile(path: deployed)
        XCTAssertNotNil(file.entry("model.2.m.0.cv1.dbb_reparam.weight"))
        XCTAssertNil(file.entry("model.2.m.0.cv1.dbb_origin.conv.weight"))

        let seededOut = scratch.appendingPathComponent("a.npy").path
        let deployedOut = scratch.appendingPathComponent("b.npy").path
        XCTAssertEqual(try runLayerZoo(["run", "yolov8n-dbb.yaml", "--imgsz", "64", "--output", seededOut]).status, 0)
        let second = try runLayerZoo(["run", "yolov8n-dbb.yaml", "--imgsz", "64", "--weights", deployed, "--output", deployedOut])
        XCTAssertEqual(second.status, 0, second.stderr)
        let a = try NPY.read(path: seededOut).toArray(), b = try NPY.read(path: deployedOut).toArray()
        let scale = a.map(abs).max() ?? 1
        XCTAssertLessThan((zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale, 1e-5)

        let none = try runLayerZoo(["reparam", "yolov8n.yaml", "--output", scratch.appendingPathComponent("x.safetensors").path])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("has no DiverseBranchBlock"), none.stderr)
    }
}
