import Foundation
import ZooCPU
import XCTest

/// LayerZoo as another package's dependency, by version: a tagged git repository of this
/// checkout's files, and a consumer that registers its own layer, builds and runs a model.
/// SwiftPM refuses a package with unsafe flags as a versioned dependency, so this fails if
/// Package.swift gains one again.
final class VersionedDependencyTests: XCTestCase {
    /// Kept between runs of one checkout: with the same files, the tag has the same commit
    /// (fixed dates) and the consumer's build folder is reused, so a rerun does not rebuild
    /// LayerZoo. Checkouts (worktrees) each get their own, named by a hash of their path.
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
        "layerzoo-versioned-dependency-" + String(repositoryRoot.path.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) {
            ($0 ^ UInt64($1)) &* 0x100_0000_01B3
        }, radix: 16))

    /// The consumer's layer: Ultralytics' Conv written again outside LayerZoo (same state_dict
    /// keys), used for every Conv row of yolov8n, so its counts and output must be yolov8n's.
    static let consumerMain = #"""
        import Foundation
        import LayerZoo
        import LayerZooStandard
        import ZooCPU

        final class MyConv: UnaryLayer {
            let conv: Conv2d
            let bn: BatchNorm2d

            init(_ c1: Int, _ c2: Int, k: IntOrPair, s: IntOrPair) throws(LayerError) {
                conv = try Conv2d(c1, c2, kernel: k, stride: s, padding: k.map { $0 / 2 }, bias: false)
                bn = BatchNorm2d(c2)
            }

            var children: [(name: String, module: any Module)] { [("conv", conv), ("bn", bn)] }

            func callAsFunction<B: Backend>(_ x: B.Value, on backend: B) throws(LayerError) -> B.Value {
                try backend.convBNAct(x, conv, bn, .silu)
            }

            static let definition = LayerDefinition(
                name: "MyConv",
                arguments: [ArgumentSpec("c1", .channels), ArgumentSpec("c2", .channels),
                            ArgumentSpec("k", .kernel, default: 1), ArgumentSpec("s", .stride, default: 1)],
                role: .convLike, summary: "Conv, from a consumer package", origin: "Consumer",
                make: { args, _ throws(LayerError) in
                    try MyConv(args.int("c1"), args.int("c2"), k: args.intOrPair("k"), s: args.intOrPair("s"))
                })
        }

        do {
            var registry = LayerRegistry()
            try StandardLayers.register(into: &registry)
            try registry.register(MyConv.definition)
            let stock = try ConfigSource.locate("yolov8n.yaml")
            let text = stock.text.replacingOccurrences(of: ", Conv, [", with: ", MyConv, [")
            let source = ConfigSource(displayPath: "yolov8n-myconv.yaml", text: text, scaleFromName: "n")
            let report = ModelChecker(registry: registry).check(source, options: CheckOptions(imageHeight: 64, imageWidth: 64))
            guard report.isValid, let model = report.model, let trace = report.trace else {
                print("invalid: \(report.diagnostics)")
                exit(1)
            }
            let rows = model.nodes.filter { $0.row.module == "MyConv" }.count
            print("MyConv rows \(rows), parameters \(model.parameterCount), gflops \(trace.gflops)")
            try model.initializeSeededWeights()
            let y = try model.forward(try SeededWeights.input(shape: [1, 3, 64, 64], seed: 0))
            try writeSafeTensors([("output", y)], to: CommandLine.arguments[1])
        } catch {
            print("error: \(error)")
            exit(1)
        }
        """#

    /// The path of `tool` on PATH, if any.
    func onPath(_ tool: String) -> URL? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return directories.map { URL(fileURLWithPath: String($0)).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    func run(_ tool: URL, _ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> CLIResult {
        let r = try runProgram(tool, arguments, in: directory,
                               environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        XCTAssertEqual(r.status, 0, "\(tool.lastPathComponent) \(arguments.joined(separator: " ")):\n\(r.stdout.suffix(3000))\n\(r.stderr.suffix(3000))")
        return r
    }

    func testAConsumerPackageBuildsAgainstATaggedVersion() throws {
        guard let git = onPath("git"), let swift = onPath("swift") else { throw XCTSkip("needs git and swift on PATH") }
        let fm = FileManager.default
        let repo = base.appendingPathComponent("LayerZoo"), consumer = base.appendingPathComponent("Consumer")

        // The checkout's files as a commit would have them: tracked, plus new ones not ignored.
        try? fm.removeItem(at: repo)
        try fm.createDirectory(at: repo, withIntermediateDirectories: true)
        let listed = try run(git, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], in: repositoryRoot)
        var copied = 0
        // A path is listed once per index stage while a merge is unresolved: copy it once.
        for path in Set(listed.stdout.split(separator: "\0").map(String.init)).sorted() {
            let from = repositoryRoot.appendingPathComponent(path)
            guard fm.fileExists(atPath: from.path) else { continue }
            let to = repo.appendingPathComponent(path)
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: from, to: to)
            copied += 1
        }
        XCTAssertGreaterThan(copied, 100)
        let fixedDate = ["GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"]
        _ = try run(git, ["init", "-q", "-b", "main"], in: repo)
        _ = try run(git, ["add", "-A"], in: repo)
        _ = try run(git, ["-c", "user.name=LayerZoo tests", "-c", "user.email=tests@layerzoo.invalid", "-c", "commit.gpgsign=false",
                          "commit", "-q", "-m", "LayerZoo under test"], in: repo, environment: fixedDate)
        _ = try run(git, ["tag", "1.0.0"], in: repo)

        try fm.createDirectory(at: consumer.appendingPathComponent("Sources/Consumer"), withIntermediateDirectories: true)
        try """
            // swift-tools-version:6.1
            import PackageDescription

            let package = Package(
                name: "Consumer",
                dependencies: [.package(url: "\(repo.absoluteString)", from: "1.0.0")],
                targets: [.executableTarget(name: "Consumer", dependencies: [
                    .product(name: "LayerZoo", package: "LayerZoo"),
                    .product(name: "LayerZooStandard", package: "LayerZoo"),
                    .product(name: "ZooCPU", package: "LayerZoo"),
                ])]
            )
            """.write(to: consumer.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try Self.consumerMain.write(to: consumer.appendingPathComponent("Sources/Consumer/main.swift"), atomically: true, encoding: .utf8)
        try? fm.removeItem(at: consumer.appendingPathComponent("Package.resolved"))

        _ = try run(swift, ["build", "--product", "Consumer"], in: consumer)
        let output = base.appendingPathComponent("consumer-output.safetensors")
        let consumed = try run(consumer.appendingPathComponent(".build/debug/Consumer"), [output.path], in: base)

        let info = try runLayerZoo(["info", "yolov8n.yaml", "--imgsz", "64", "--format", "json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        let parameters = try XCTUnwrap(json["parameters"] as? Int), gflops = try XCTUnwrap(json["gflops"] as? Double)
        XCTAssertEqual(parameters, 3_157_200)
        let line = try XCTUnwrap(consumed.stdout.split(separator: "\n").first { $0.hasPrefix("MyConv rows") }, consumed.stdout)
        let figures = line.split(whereSeparator: { " ,".contains($0) }).compactMap { Double($0) }
        XCTAssertEqual(figures.count, 3, String(line))
        XCTAssertEqual(figures.first, 7, String(line))
        XCTAssertEqual(figures.dropFirst().first, Double(parameters), String(line))
        XCTAssertEqual(figures.last ?? 0, gflops, accuracy: 1e-9, String(line))

        let reference = base.appendingPathComponent("tool-output.safetensors")
        XCTAssertEqual(try runLayerZoo(["run", "yolov8n.yaml", "--imgsz", "64", "--output", reference.path]).status, 0)
        let a = try SafeTensorsFile(path: output.path).tensor("output").toArray()
        let b = try SafeTensorsFile(path: reference.path).tensor("output").toArray()
        XCTAssertEqual(a.count, b.count)
        let scale = b.map(abs).max() ?? 1
        XCTAssertLessThan((zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale, 1e-6)
    }
}
