import Foundation
import LayerZoo
import LayerZooBuiltins
import XCTest

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The community configs in ../shared/corpus/community: a clear verdict for each, with every
/// unknown module named at the line and column where it is written.
final class CorpusTests: XCTestCase {
    static let corpus = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/community")

    /// Modules each file uses that LayerZoo does not provide (other authors' layers, or
    /// names that only look like ours: "SCConv" is not ScConv, "DSConv" there is Dynamic
    /// Snake Convolution).
    static let foreign: [String: Set<String>] = [
        "PRS-YOLOv8__yolov8-DSConv.yaml": ["DSConv", "DSConv_C2f"],
        "YOLO-MIF__yolov8-C2f-DBB-backbone-GOLDYOLO.yaml": ["AdvPoolFusion", "IFM", "InjectionMultiSum_Auto_pool",
                                                           "PyramidPoolAgg", "SimFusion_3in", "SimFusion_4in", "TopBasicLayer"],
        "YOLO-MIF__yolov8-C2f-DBB-backbone-dbbhead.yaml": ["DetectDBB"],
        "YOLO-MIF__yolov8-CF2-DBB-BAKBONE-slimneck.yaml": ["GSConv", "VoVGSCSP"],
        "YOLOv11-qiang__yolo11-C3k2-WTConv-LSK2.yaml": ["C2PSA_SENetV2", "C3k2_WTConv", "LSKA"],
        "YOLOv11-qiang__yolov11-C3k2-DynamicConv-bi_fpn.yaml": ["Bi_FPN", "C3k2_DynamicConv"],
        "YOLOv11-qiang__yolov11-DynamicConv.yaml": ["DynamicConv"],
        "YOLOv5-Improved__yolov5n-improve.yaml": ["CARAFE", "Decoupled_Detect", "SimAM"],
        "diedao__yolov8-DiverseBranchBlock-damoyolo-iRMB.yaml": ["CReToNeXt", "iRMB"],
        "yolo11-scconv-njmdin12__yolo11.yaml": ["SCConv"],
        "yolov8_improve__yolov8-VanillaNet2_ScConv.yaml": ["VanillaBlock"],
    ]

    /// Seed-module layers each file uses (issues 4–8 add them as plugins). Until a name is
    /// registered it must be reported as unknown like any other.
    static let seedModules: [String: Set<String>] = [
        "CoalMineWorker__yolo11-DBB.yaml": ["DiverseBranchBlock"],
        "FloatingGarbageDetection-YOLOv8__yolov8-C2f-ScConv.yaml": ["C2f_ScConv"],
        "YOLO-CSS__yolov8-SAConv.yaml": ["C2f_SAConv"],
        "YOLO-MIF__yolov8-C2f-DBB-backbone-GOLDYOLO.yaml": ["C2f_DBB"],
        "YOLO-MIF__yolov8-C2f-DBB-backbone-dbbhead.yaml": ["C2f_DBB"],
        "YOLO-MIF__yolov8-CF2-DBB-BAKBONE-slimneck.yaml": ["C2f_DBB"],
        "YOLOv11-qiang__yolo11-C3k2-WTConv-LSK2.yaml": ["SAConv2d"],
        "YOLOv11-qiang__yolo11-SAConv.yaml": ["SAConv2d"],
        "YOLOv11-qiang__yolo11-scconv.yaml": ["ScConv"],
        "YOLOv5-Improved__yolov5n-improve.yaml": ["C3_DSConv"],
        "diedao__yolov8-DiverseBranchBlock-damoyolo-iRMB.yaml": ["C2f_DBB", "DiverseBranchBlock"],
        "diedao__yolov8-DiverseBranchBlock.yaml": ["C2f_DBB", "DiverseBranchBlock"],
        "yolo-Ui_framework__yolov5-C3-DBB.yaml": ["C3_DBB"],
        "yolo-Ui_framework__yolov5-C3-SCcConv.yaml": ["C3_ScConv"],
        "yolo-Ui_framework__yolov8-C2f-DynamicConv.yaml": ["C2f_DynamicConv"],
        "yolov8-tricks__yolov8-C2f-DBB.yaml": ["C2f_DBB"],
        "yolov8-tricks__yolov8-c2f_scconv.yaml": ["C2f_ScConv"],
        "yolov8_improve__yolov8-ScConv.yaml": ["ScConv"],
        "yolov8_improve__yolov8-VanillaNet2_ScConv.yaml": ["ScConv"],
    ]

    /// Files that use only modules LayerZoo has but cannot be built as written, with what the
    /// first error says (the file's own repository cannot build them either).
    static let invalidAsWritten: [String: String] = [
        // SCConv here is SCNet's (the yolo-Ui_framework lineage), which keeps its width: [128, 3, 2]
        // asks for 16 → 32 channels (njmdin12's own SCConv is not registered in its parse_model).
        "yolo11-scconv-njmdin12__yolo11.yaml": "needs as many output channels as input channels",
    ]

    /// Files written for the original YOLOv5 repository's parse_model (an `anchors` key that
    /// `Detect`/`Decoupled_Detect` rows receive): read in that dialect, with a note saying so.
    static let yolov5Dialect: Set<String> = ["YOLOv5-Improved__yolov5n-improve.yaml"]

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    func testTheCorpusIsThere() throws {
        let files = try Self.files()
        XCTAssertEqual(files.count, 23, "expected the 23 community configs in \(Self.corpus.path)")
        XCTAssertEqual(Set(files), Set(Self.seedModules.keys).union(Self.foreign.keys))
    }

    /// Parameter counts and GFLOPs (640×640, the file's first scale) that Ultralytics gives for
    /// the corpus files LayerZoo accepts, with the reference PyTorch modules of the seed
    /// plugins patched into parse_model (scripts/reference/community_counts.py).
    struct Counts: Decodable {
        var parameters: Int
        var gflops: Double
    }

    func counts() throws -> [String: Counts] {
        guard let url = Bundle.module.url(forResource: "Resources/corpus_counts", withExtension: "json") else { return [:] }
        return try JSONDecoder().decode([String: Counts].self, from: Data(contentsOf: url))
    }

    func testEveryFileGetsAVerdictNamingEachUnknownModuleWhereItIsWritten() throws {
        let registry = try BuiltInPlugins.registry()
        let reference = try counts()
        for name in try Self.files() {
            let path = Self.corpus.appendingPathComponent(name).path
            let source = try ConfigSource.locate(path)
            let report = ModelChecker(registry: registry).check(source)
            let expected = Self.foreign[name, default: []].union(Self.seedModules[name, default: []])
                .filter { registry.definition(named: $0) == nil }
            let lines = source.text.components(separatedBy: "\n")
            var reported: Set<String> = []
            for error in report.errors {
                guard let range = error.message.range(of: "unknown module '") else { continue }
                let module = String(error.message[range.upperBound...].prefix { $0 != "'" })
                reported.insert(module)
                let location = try XCTUnwrap(error.location, name)
                XCTAssertEqual(location.file, path)
                let line = Array(lines[location.line - 1].unicodeScalars)
                let atColumn = String(String.UnicodeScalarView(line[(location.column - 1)...]))
                XCTAssertTrue(atColumn.hasPrefix(module), "\(name):\(location.line):\(location.column) is not '\(module)'")
            }
            XCTAssertEqual(reported, expected, name)
            let dialectNote = report.diagnostics.first { $0.code == "dialect" }
            XCTAssertEqual(dialectNote != nil, Self.yolov5Dialect.contains(name), "\(name): \(dialectNote?.message ?? "no dialect note")")
            if let message = Self.invalidAsWritten[name], expected.isEmpty {
                XCTAssertFalse(report.isValid, name)
                XCTAssertTrue(report.errors.first?.message.contains(message) ?? false, "\(name): \(report.errors)")
                continue
            }
            XCTAssertEqual(report.isValid, expected.isEmpty, "\(name): \(report.errors)")
            if report.isValid {
                let counts = try XCTUnwrap(reference[name], "\(name) is valid: add its Ultralytics counts (community_counts.py)")
                XCTAssertEqual(report.model?.parameterCount, counts.parameters, name)
                XCTAssertEqual(report.trace?.gflops ?? -1, counts.gflops, accuracy: 0.01, name)
            }
        }
    }

    func testCaseOnlyDifferencesAreNotAccepted() throws {
        var registry = LayerRegistry()
        try registry.register(LayerDefinition(name: "ScConv", arguments: [ArgumentSpec("c1", .channels)],
                                              role: .channelKeeping, summary: "stand-in", origin: "test",
                                              make: { _, _ throws(LayerError) in throw LayerError("stand-in") }))
        let path = Self.corpus.appendingPathComponent("yolo11-scconv-njmdin12__yolo11.yaml").path
        let report = ModelChecker(registry: registry).check(try ConfigSource.locate(path))
        let error = try XCTUnwrap(report.diagnostics.first { $0.message.contains("SCConv") })
        XCTAssertTrue(error.message.contains("unknown module 'SCConv'"), error.message)
        XCTAssertTrue(error.notes.contains { $0.message.contains("did you mean 'ScConv'? (module names are case-sensitive)") },
                      "\(error.notes)")
    }
}

