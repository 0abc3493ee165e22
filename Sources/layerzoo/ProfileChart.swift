import ArgumentParser
import Foundation
import LayerZooVision

/// `bench --profile --chart FILE`: where the time goes, one bar per profiled row (operation kind,
/// or kind and shape with --profile-shapes), longest first, in milliseconds per run.
struct ProfileChart {
    var file: String
    var perKind: [String: Double]
    /// Rows are model layers (`bench --profile-layers`), drawn in layer order.
    var byLayer = false

    static func validate(_ path: String, profile: Bool) throws {
        guard profile else { throw ValidationError("--chart needs --profile (the chart shows the profile)") }
        let suffix = (path as NSString).pathExtension.lowercased()
        guard suffix == "svg" || suffix == "png" else { throw ValidationError("--chart must name a .svg or .png file, got '\(path)'") }
        if suffix == "png", SVGRenderer.available == nil {
            throw ValidationError("--chart \(path): PNG needs rsvg-convert (librsvg2-bin) or ImageMagick's convert; write .svg instead")
        }
    }

    var rows: [(label: String, value: Double)] {
        if byLayer {
            let index = { (label: String) in Int(label.prefix { $0.isNumber }) ?? Int.max }
            return perKind.sorted { index($0.key) != index($1.key) ? index($0.key) < index($1.key) : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        return perKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    var svg: String {
        let total = perKind.values.reduce(0, +)
        return BarChart(title: "\((file as NSString).lastPathComponent): time per run by \(byLayer ? "layer" : "operation") (\(String(format: "%.1f", total)) ms profiled)",
                        unit: "ms", rows: rows).svg
    }

    /// Writes the chart (never over an existing file); exit 1 on failure.
    func write(to path: String) throws {
        do throws(ImageOutputError) {
            if (path as NSString).pathExtension.lowercased() == "png" {
                let temporary = NSTemporaryDirectory() + "layerzoo-chart-\(getpid()).svg"
                defer { try? FileManager.default.removeItem(atPath: temporary) }
                try? FileManager.default.removeItem(atPath: temporary)
                try writeNewFile(Data(svg.utf8), to: temporary)
                guard let png = SVGRenderer.png(svgPath: temporary) else {
                    throw ImageOutputError(path: path, message: "the SVG renderer failed")
                }
                try writeNewFile(png, to: path)
            } else {
                try writeNewFile(Data(svg.utf8), to: path)
            }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        printError("profile chart written to \(path)")
    }
}
