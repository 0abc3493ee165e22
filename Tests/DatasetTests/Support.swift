import Foundation
import XCTest

/// The committed fixtures of scripts/demo/gen_val_fixtures.py, and scratch data sets.
enum DatasetFixtures {
    static let resources = Bundle.module.url(forResource: "Resources", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: resources.appendingPathComponent(name)))
    }

    /// A JPEG of the bundled val set, to build small data sets from.
    static let sampleImage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Demo/shapes-val/images/val/val_0000.jpg")
}

/// A data set in a fresh temporary folder: files written from a path → contents table (nil
/// contents: a copy of a real JPEG), removed afterwards.
final class ScratchDataset {
    let root: URL

    init(_ files: [String: String?]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lz-dataset-\(UUID().uuidString)")
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if let contents {
                try Data(contents.utf8).write(to: url)
            } else {
                try FileManager.default.copyItem(at: DatasetFixtures.sampleImage, to: url)
            }
        }
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    deinit { try? FileManager.default.removeItem(at: root) }
}
