import Foundation
import LayerZoo

/// The image files of a split, as Ultralytics' `get_img_files` lists them: every `*.*` file
/// under a folder (recursively, hidden entries skipped, as `glob` skips them), or the lines of
/// an image-list file (`./` meaning the list's folder), kept when their suffix is an image
/// format, sorted by code point; and their label files, as `img2label_paths` maps them (the last
/// `/images/` becomes `/labels/`, the suffix `.txt`).
public enum ImageList {
    /// Ultralytics' `IMG_FORMATS`.
    public static let formats: Set<String> = ["avif", "bmp", "dng", "heic", "heif", "jp2", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp"]
    /// Most images in a split.
    public static let maxImages = 1_000_000
    /// The largest image-list file read (bytes).
    public static let maxListBytes = 64 << 20

    public static func files(_ entries: [(path: String, location: SourceLocation)]) throws(Diagnostic) -> [String] {
        var found: [String] = []
        for (path, location) in entries {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .error("'\(path)' does not exist", at: location)
            }
            if isDirectory.boolValue {
                guard let walker = FileManager.default.enumerator(atPath: path) else { throw .error("cannot list '\(path)'", at: location) }
                while let item = walker.nextObject() as? String {
                    if (item as NSString).lastPathComponent.hasPrefix(".") { walker.skipDescendants(); continue }
                    guard (item as NSString).lastPathComponent.contains(".") else { continue }
                    let full = (path as NSString).appendingPathComponent(item)
                    var sub: ObjCBool = false
                    if FileManager.default.fileExists(atPath: full, isDirectory: &sub), sub.boolValue { continue }
                    found.append(full)
                    if found.count > maxImages * 2 { throw .error("more than \(maxImages) images; refusing the split", at: location) }
                }
            } else {
                guard isRegularFile(path) else { throw .error("'\(path)' is neither a folder nor an image-list file", at: location) }
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                guard size <= maxListBytes else {
                    throw .error("image list is \(size) bytes; lists larger than \(maxListBytes) bytes are refused", at: location)
                }
                guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
                    throw .error("cannot read the image list '\(path)' as UTF-8 text", at: location)
                }
                if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
                let parent = (path as NSString).deletingLastPathComponent + "/"
                for line in text.trimmingCharacters(in: .whitespacesAndNewlines).split(whereSeparator: \.isNewline) {
                    let s = String(line)
                    found.append(s.hasPrefix("./") ? parent + s.dropFirst(2) : s)
                    if found.count > maxImages * 2 { throw .error("more than \(maxImages) images; refusing the list", at: location) }
                }
            }
        }
        let images = found.filter { formats.contains(suffix($0)) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard !images.isEmpty else {
            throw .error("no images found in " + entries.map(\.path).joined(separator: ", "), at: entries.first?.location,
                         notes: [.init("image formats: " + formats.sorted().joined(separator: ", "))])
        }
        guard images.count <= maxImages else { throw .error("\(images.count) images; at most \(maxImages) are read", at: entries.first?.location) }
        return images
    }

    /// What follows the last dot of `path`, lower-cased (Python's `rpartition('.')[-1].lower()`).
    static func suffix(_ path: String) -> String {
        guard let dot = path.lastIndex(of: ".") else { return path.lowercased() }
        return String(path[path.index(after: dot)...]).lowercased()
    }

    /// `img2label_paths`: the label file of an image.
    public static func labelPath(_ image: String) -> String {
        var path = image
        if let range = path.range(of: "/images/", options: .backwards) { path.replaceSubrange(range, with: "/labels/") }
        if let dot = path.lastIndex(of: ".") { path = String(path[..<dot]) }
        return path + ".txt"
    }
}
