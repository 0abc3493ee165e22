import Foundation
import LayerZoo

/// The repository root, found from this file's path (Tests/Support/ModelChecking.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Checks YAML text as `layerzoo validate` would, with `registry`.
public func checkYAML(_ yaml: String, registry: LayerRegistry, file: String = "model.yaml", scale: String? = nil,
                      imgsz: (Int, Int) = (640, 640), batch: Int = 1) -> CheckReport {
    let source = ConfigSource(displayPath: file, text: yaml, scaleFromName: nil)
    let options = CheckOptions(scale: scale, imageHeight: imgsz.0, imageWidth: imgsz.1, batch: batch)
    return ModelChecker(registry: registry).check(source, options: options)
}

/// The 1-based column at which `text` first appears on 1-based `line` of `yaml`, as a
/// diagnostic would report it; nil when it is not on that line.
public func column(of text: String, line: Int, in yaml: String) -> Int? {
    let lines = yaml.components(separatedBy: "\n")
    guard line >= 1, line <= lines.count, let range = lines[line - 1].range(of: text) else { return nil }
    return lines[line - 1].distance(from: lines[line - 1].startIndex, to: range.lowerBound) + 1
}
