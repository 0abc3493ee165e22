import Foundation
import LayerZoo
import LayerZooVision

/// A classification split as Ultralytics' `ClassificationDataset` reads it: torchvision's
/// `ImageFolder` over `<data>/<split>/<class>/...` (class folders in sorted order, their images
/// found recursively, in sorted order, by suffix), corrupt images dropped with a warning, and
/// the folders mapped to the model's class indices by name when any name matches (folders the
/// model lacks skipped), else numbered in sorted order.
public struct ClassFolders: Sendable {
    /// The split's folder.
    public var folder: String
    /// The class folder names, sorted.
    public var classes: [String]
    /// The images kept, with their class index (the model's).
    public var samples: [(path: String, classIndex: Int)]
    public var corrupt = 0
    /// Located warnings: class folders without images, corrupt images, skipped classes.
    public var warnings: [Diagnostic] = []

    /// The most images a split may list.
    public static let maxImages = 1_000_000

    /// The split folder of a classification data set: `<data>/<split>`; for `val`, `validation`
    /// then `test` when there is no `val` folder (with a warning, as `check_cls_dataset` does).
    public static func splitFolder(data: String, split: String) throws(Diagnostic) -> (folder: String, warning: Diagnostic?) {
        let at = SourceLocation(file: data, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .error("a classification data set is a folder of split folders, and this is not a folder", at: at,
                         notes: [.init("expected <data>/train/<class>/*.jpg and <data>/\(split)/<class>/*.jpg")])
        }
        let candidates = split == "val" ? ["val", "validation", "test"] : [split]
        for name in candidates {
            let path = (data as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let warning: Diagnostic? = name == split ? nil
                    : .warning("data set 'split=\(split)' not found, using '\(name)' instead", at: at)
                return (path, warning)
            }
        }
        throw .error("'\(split)' split not found: no folder '\((data as NSString).appendingPathComponent(split))'", at: at,
                     notes: [.init("expected <data>/\(split)/<class>/*.jpg (one folder per class)")])
    }

    /// Scans `folder`. `modelNames` align the folders to the model's class order.
    public static func scan(_ folder: String, modelNames: [Int: String], singleClass: Bool = false,
                            decode: (String) throws(ImageError) -> (height: Int, width: Int, restored: Bool) = DatasetScan.headerSize)
        throws(Diagnostic) -> ClassFolders {
        let fm = FileManager.default
        let at = SourceLocation(file: folder, line: 1, column: 1)
        let entries = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let classes = entries.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: (folder as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        guard !classes.isEmpty else {
            throw .error("no class folders in this split", at: at, notes: [.init("expected one folder per class: \(folder)/<class>/*.jpg")])
        }
        var result = ClassFolders(folder: folder, classes: classes, samples: [])
        let modelIndex = Dictionary(modelNames.map { ($0.value, $0.key) }, uniquingKeysWith: min)
        let byName = !modelNames.isEmpty && classes.contains { modelIndex[$0] != nil }
        var skipped: [String] = [], seen = 0
        for (c, name) in classes.enumerated() {
            let classFolder = (folder as NSString).appendingPathComponent(name)
            var files: [String] = []
            if let walker = fm.enumerator(atPath: classFolder) {
                while let item = walker.nextObject() as? String {
                    seen += 1
                    guard seen <= maxImages else {
                        throw .error("more than \(maxImages) files in the split", at: at)
                    }
                    if ImageList.formats.contains(ImageList.suffix(item)) { files.append((classFolder as NSString).appendingPathComponent(item)) }
                }
            }
            // `sorted(os.walk(...))`: by folder, then by name.
            files.sort {
                let (d0, d1) = (($0 as NSString).deletingLastPathComponent, ($1 as NSString).deletingLastPathComponent)
                return d0 != d1 ? d0.unicodeScalars.lexicographicallyPrecedes(d1.unicodeScalars)
                    : $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
            }
            if files.isEmpty {
                result.warnings.append(.warning("class folder '\(name)' holds no images", at: SourceLocation(file: classFolder, line: 1, column: 1),
                                                notes: [.init("image formats: " + ImageList.formats.sorted().joined(separator: ", "))],
                                                code: "empty-class-folder"))
            }
            let index: Int? = singleClass ? 0 : byName ? modelIndex[name] : (modelNames.isEmpty || c < modelNames.count ? c : nil)
            guard let index else {
                skipped.append(name)
                continue
            }
            for file in files {
                do throws(ImageError) {
                    let size = try decode(file)
                    guard size.height > 9, size.width > 9 else {
                        throw ImageError(path: file, message: "image size \(size.height) x \(size.width) is under 10 pixels")
                    }
                    result.samples.append((file, index))
                } catch {
                    result.corrupt += 1
                    result.warnings.append(.warning("ignoring corrupt image: \(error.message)", at: SourceLocation(file: file, line: 1, column: 1),
                                                    notes: [.init("the image is left out of the data set")], code: "corrupt-image"))
                }
            }
        }
        if !skipped.isEmpty {
            result.warnings.append(.warning("skipping the images of classes the model lacks: \(skipped.joined(separator: ", "))", at: at,
                                            code: "unknown-class-folder"))
        }
        return result
    }
}
