import Foundation
import LayerZooVision

/// One entry of `predict`'s source list, expanded as Ultralytics' loader expands sources.
struct PredictSource {
    enum Kind { case image, npy }
    var path: String
    var kind: Kind
    /// Found in a folder or by a glob: an unreadable one is skipped with a warning, not an error.
    var listed: Bool
}

/// Files, folders (`folder/*.*`) and globs, made absolute but not resolved, each list sorted, as
/// Ultralytics' `LoadImagesAndVideos` does. Names without an image or .npy suffix inside
/// folders and globs are skipped with a warning; a name that does not exist is an error.
enum PredictSources {
    static let imageSuffixes: Set<String> = ["jpg", "jpeg", "png"]
    /// What Ultralytics would read but LayerZoo does not (yet): named in the warning.
    static let otherImageSuffixes: Set<String> = ["bmp", "dng", "mpo", "tif", "tiff", "webp", "pfm", "heic", "avif", "jp2"]

    static func expand(_ arguments: [String], warn: (String) -> Void) throws(ImageError) -> [PredictSource] {
        let cwd = FileManager.default.currentDirectoryPath
        var sources: [PredictSource] = []
        for argument in arguments.sorted() {
            let absolute = argument.hasPrefix("/") ? argument : (cwd as NSString).appendingPathComponent(argument)
            var isFolder: ObjCBool = false
            if absolute.contains("*") {
                let matches = glob(absolute)
                if matches.isEmpty { throw ImageError(path: argument, message: "no file matches this pattern") }
                sources += classify(matches, listed: true, warn: warn)
            } else if FileManager.default.fileExists(atPath: absolute, isDirectory: &isFolder) {
                if isFolder.boolValue {
                    let entries = glob((absolute as NSString).appendingPathComponent("*.*"))
                    let found = classify(entries, listed: true, warn: warn)
                    if found.isEmpty { throw ImageError(path: argument, message: "no .jpg, .jpeg, .png or .npy files in this folder") }
                    sources += found
                } else {
                    sources += classify([absolute], listed: false, warn: warn)
                }
            } else {
                throw ImageError(path: argument, message: "does not exist")
            }
        }
        return sources
    }

    static func classify(_ paths: [String], listed: Bool, warn: (String) -> Void) -> [PredictSource] {
        var out: [PredictSource] = []
        for path in paths {
            let suffix = (path as NSString).pathExtension.lowercased()
            if suffix == "npy" {
                out.append(PredictSource(path: path, kind: .npy, listed: listed))
            } else if imageSuffixes.contains(suffix) || !listed {
                out.append(PredictSource(path: path, kind: .image, listed: listed))
            } else {
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { continue }
                let why = otherImageSuffixes.contains(suffix) ? "\(suffix.uppercased()) images are not supported (JPEG and PNG are)" : "not an image"
                warn("\(path): warning: skipped: \(why)")
            }
        }
        return out
    }

    /// POSIX glob, sorted; an empty list when nothing matches.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for i in 0..<Int(result.gl_pathc) {
            if let p = result.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }
}
