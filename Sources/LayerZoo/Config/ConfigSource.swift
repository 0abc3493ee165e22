import Foundation
import ZooCPU

/// A model file located and read: where it came from, its text, and the scale its name implies.
public struct ConfigSource: Sendable {
    /// The path as diagnostics should show it.
    public var displayPath: String
    public var text: String
    /// Scale letter implied by the name (`yolov8n.yaml` → "n"), or nil.
    public var scaleFromName: String?
    /// True when the text came from the configs built into LayerZoo.
    public var isBundled: Bool

    public init(displayPath: String, text: String, scaleFromName: String?, isBundled: Bool = false) {
        self.displayPath = displayPath
        self.text = text
        self.scaleFromName = scaleFromName
        self.isBundled = isBundled
    }

    /// Finds a model file as Ultralytics does: the path itself, else the "unified" name
    /// without the scale letter (`yolov8n.yaml` → `yolov8.yaml`) beside it, else a bundled
    /// config of either name. Old P6 names (`yolov8n6.yaml`) map to `-p6`.
    public static func locate(_ path: String, maxBytes: Int = YAMLLoader.Limits().maxBytes) throws(Diagnostic) -> ConfigSource {
        let url = URL(fileURLWithPath: path)
        let directory = path.contains("/") ? url.deletingLastPathComponent().path + "/" : ""
        let name = renamingOldP6(url.lastPathComponent)
        let scale = guessScale(URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent)
        var names = [name]
        if let unified = unifiedName(name) { names.append(unified) }
        var paths = [path]
        for candidate in names.map({ directory + $0 }) where !paths.contains(candidate) { paths.append(candidate) }

        for candidate in paths {
            let kind = FileKind.of(candidate)
            if case .missing(let e) = kind, e == ENOENT || e == ENOTDIR { continue }
            let location = SourceLocation(file: FilePaths.display(candidate), line: 1, column: 1)
            if let problem = kind.notRegularDescription {
                throw .error(kind == .directory ? "is a directory, not a model file" : problem, at: location)
            }
            let data: [UInt8]
            do throws(BackendError) {
                data = try RegularFile.readAll(candidate, maxBytes: maxBytes)
            } catch {
                if case .regular(let size, _, _) = kind, size > maxBytes {
                    throw .error("file is \(size) bytes; configurations larger than \(maxBytes) bytes are refused", at: location)
                }
                throw .error("cannot read the file: \(error)", at: location)
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw .error("the file is not UTF-8 text", at: location)
            }
            return ConfigSource(displayPath: FilePaths.display(candidate), text: text, scaleFromName: scale)
        }
        if directory.isEmpty {
            for name in names {
                if let text = BundledConfigs.files[name] {
                    return ConfigSource(displayPath: "Configs/\(name)", text: text, scaleFromName: scale, isBundled: true)
                }
            }
        }
        var message = "no such model file"
        if names.count > 1 { message += " (also tried \(names[1]))" }
        throw .error(message + "; built-in configs: " + BundledConfigs.files.keys.sorted().joined(separator: ", "),
                     at: SourceLocation(file: path, line: 1, column: 1))
    }

    /// `yolov8n6.yaml` → `yolov8n-p6.yaml`, Ultralytics' renaming of old P6 names.
    static func renamingOldP6(_ name: String) -> String {
        guard let regex = try? Regex("^(yolov[58][nsmlx])6(\\..*)?$"),
              let match = name.wholeMatch(of: regex), let head = match.output[1].substring else { return name }
        return head + "-p6" + (match.output[2].substring ?? "")
    }

    /// Ultralytics' `guess_model_scale`: the letter after the version number in the name.
    public static func guessScale(_ stem: String) -> String? {
        guard let regex = try? Regex("yolo(e-)?v?[0-9]+([nslmx])"),
              let match = stem.firstMatch(of: regex),
              let letter = match.output[2].substring else { return nil }
        return String(letter)
    }

    /// `yolov8n-p2.yaml` → `yolov8-p2.yaml`: the name without the scale letter, or nil if
    /// it has none.
    static func unifiedName(_ name: String) -> String? {
        guard let regex = try? Regex("([0-9]+)([nslmx])(.+)?$"),
              let match = name.firstMatch(of: regex),
              let digits = match.output[1].substring else { return nil }
        let tail = match.output[3].substring.map(String.init) ?? ""
        return String(name[..<match.range.lowerBound]) + digits + tail
    }
}
