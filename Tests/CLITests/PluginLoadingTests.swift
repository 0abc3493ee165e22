import Foundation
import ZooCPU
import XCTest

/// `--plugin`: the example plugin built as a shared library, loaded by the tool, used in a
/// model; and the ways a plugin library can be wrong.
final class PluginLoadingTests: XCTestCase {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layerzoo-plugins-\(getpid())")

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Builds `sources` into a library with scripts/build-plugin.sh against this build's modules.
    func buildPlugin(_ name: String, folder: URL) throws -> URL {
        let output = scratch.appendingPathComponent("lib\(name).so")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/build-plugin.sh").path, folder.path, output.path, "debug"]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["LAYERZOO_BIN_PATH": try layerZooBinary().deletingLastPathComponent().path]) { $1 }
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, message)
        return output
    }

    func folder(_ name: String, _ files: [String: String]) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (file, text) in files { try text.write(to: url.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        return url
    }

    func testExamplePluginLoadsAndRunsLikePyTorch() throws {
        let library = try buildPlugin("SqueezeExcite", folder: repositoryRoot.appendingPathComponent("Plugins/Examples/SqueezeExcite"))
        let config = "Plugins/Examples/SqueezeExcite/yolov8n-se.yaml"
        let without = try runLayerZoo(["validate", config])
        XCTAssertEqual(without.status, 1)
        XCTAssertTrue(without.stderr.contains("unknown module 'SqueezeExcite': LayerZoo's example plugin"), without.stderr)
        XCTAssertTrue(without.stderr.contains("note: build it with scripts/build-plugin.sh"), without.stderr)
        let with = try runLayerZoo(["validate", config, "--plugin", library.path])
        XCTAssertEqual(with.status, 0, with.stderr)

        let layers = try runLayerZoo(["layers", "--plugin", library.path])
        let line = layers.stdout.split(separator: "\n").first { $0.hasPrefix("SqueezeExcite ") }
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(line, "SqueezeExcite channel-keeping [reduction=16]", layers.stdout)

        // A bare name is the file in the current folder, even when the system has a library of
        // that name (dlopen would search the system path and load libm).
        try FileManager.default.copyItem(at: library, to: scratch.appendingPathComponent("libm.so.6"))
        let local = try runProgram(try layerZooBinary(), ["layers", "--plugin", "libm.so.6"], in: scratch)
        XCTAssertEqual(local.status, 0, local.stderr)
        XCTAssertTrue(local.stdout.contains("SqueezeExcite "), local.stdout)

        let output = scratch.appendingPathComponent("y.safetensors").path
        let run = try runLayerZoo(["run", config, "--plugin", library.path, "--imgsz", "64", "--batch", "2",
                                   "--output", output])
        XCTAssertEqual(run.status, 0, run.stderr)
        try assertWrittenOutputs(output, match: repositoryRoot
            .appendingPathComponent("Tests/LayerZooTests/Resources/models/yolov8n_se_b2_64.safetensors").path, names: ["output"])
    }

    func testBrokenPluginsAreRefusedWithAReason() throws {
        let example = repositoryRoot.appendingPathComponent("Plugins/Examples/SqueezeExcite/SqueezeExcite.swift")
        let layerOnly = try folder("NoEntry", ["SqueezeExcite.swift": try String(contentsOf: example, encoding: .utf8)])
        let noEntry = try buildPlugin("NoEntry", folder: layerOnly)
        var r = try runLayerZoo(["layers", "--plugin", noEntry.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("exports no 'layerzoo_plugin_register' entry point"), r.stderr)

        let clash = try folder("Clash", ["Clash.swift": """
            import LayerZoo
            @_cdecl("layerzoo_plugin_register")
            public func register(_ r: UnsafeMutableRawPointer, _ host: Int32, _ mine: UnsafeMutablePointer<Int32>) -> Int32 {
                PluginRegistrar.handle(r, hostVersion: host, pluginVersion: mine) {
                    [LayerDefinition(name: "Conv", arguments: [], role: .passthrough, summary: "impostor", origin: "Clash plugin",
                                     make: { _, _ throws(LayerError) in throw LayerError("never built") })]
                }
            }
            """])
        r = try runLayerZoo(["layers", "--plugin", try buildPlugin("Clash", folder: clash).path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("layer 'Conv' from Clash plugin is already registered by LayerZooStandard"), r.stderr)

        let future = try folder("Future", ["Future.swift": """
            @_cdecl("layerzoo_plugin_register")
            public func register(_ r: UnsafeMutableRawPointer, _ host: Int32, _ mine: UnsafeMutablePointer<Int32>) -> Int32 {
                mine.pointee = 999
                return 1
            }
            """])
        r = try runLayerZoo(["layers", "--plugin", try buildPlugin("Future", folder: future).path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("built for LayerZoo plugin ABI 999, but this program uses ABI 1"), r.stderr)

        // A symbol the program does not export (as a tool built without the toolset exports none).
        let unbound = try folder("Unbound", ["Unbound.swift": """
            @_silgen_name("layerzoo_symbol_nobody_defines") func nobodyDefinesThis() -> Int32
            @_cdecl("layerzoo_plugin_register")
            public func register(_ r: UnsafeMutableRawPointer, _ host: Int32, _ mine: UnsafeMutablePointer<Int32>) -> Int32 {
                nobodyDefinesThis()
            }
            """])
        r = try runLayerZoo(["layers", "--plugin", try buildPlugin("Unbound", folder: unbound).path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("undefined symbol: layerzoo_symbol_nobody_defines"), r.stderr)
        XCTAssertTrue(r.stderr.contains("build the program with --toolset toolset.json"), r.stderr)

        r = try runLayerZoo(["layers", "--plugin", scratch.appendingPathComponent("missing.so").path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("missing.so: error: no such plugin library"), r.stderr)

        let text = scratch.appendingPathComponent("text.so")
        try "not a library".write(to: text, atomically: true, encoding: .utf8)
        r = try runLayerZoo(["validate", "yolov8n.yaml", "--plugin", text.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("text.so: error: not a shared library: not an ELF file (it is text)"), r.stderr)
    }
}
