import Foundation
import LayerZooDataset
import LayerZooVision

/// What `yolo val --plots` draws, as SVG (and PNG when a renderer is installed): the
/// precision-recall curve, the F1-, precision- and recall-confidence curves and the confusion
/// matrix, normalised and in counts, under Ultralytics' file names.
struct ValPlots {
    var result: ValResult
    var names: [Int: String]

    /// Writes the figures into `folder` (never over existing files); the names written.
    func write(to folder: String) throws(ImageOutputError) -> [String] {
        var written: [String] = []
        for (name, svg) in figures {
            let path = (folder as NSString).appendingPathComponent(name + ".svg")
            try writeNewFile(Data(svg.utf8), to: path)
            written.append(name + ".svg")
            if let png = SVGRenderer.png(svgPath: path) {
                try writeNewFile(png, to: (folder as NSString).appendingPathComponent(name + ".png"))
                written.append(name + ".png")
            }
        }
        return written
    }

    var figures: [(String, String)] {
        let m = result.metrics
        var out: [(String, String)] = []
        if !m.classes.isEmpty {
            let labelled = m.classes.count < 21
            func perClass(_ curves: [[Double]], legend: (Int) -> String) -> [LineChart.Series] {
                curves.enumerated().map { i, y in
                    LineChart.Series(name: labelled ? legend(i) : "", x: m.x, y: y, color: labelled ? ChartColors.color(i) : "#999")
                }
            }
            let mean = m.x.indices.map { k in m.precisionAtRecall.reduce(0) { $0 + $1[k] } / Double(m.classes.count) }
            let pr = perClass(m.precisionAtRecall) { "\(name(m.classes[$0])) \(String(format: "%.3f", m.ap50[$0]))" }
                + [LineChart.Series(name: "all classes \(String(format: "%.3f", m.meanResults.map50)) mAP@0.5", x: m.x, y: mean,
                                    color: "#0000ff", width: 3)]
            out.append(("BoxPR_curve", LineChart(title: "Precision-Recall Curve", xLabel: "Recall", yLabel: "Precision", series: pr).svg))
            for (file, label, curves) in [("BoxF1_curve", "F1", m.f1Curve), ("BoxP_curve", "Precision", m.precisionCurve),
                                          ("BoxR_curve", "Recall", m.recallCurve)] {
                let average = AveragePrecision.smooth(m.x.indices.map { k in curves.reduce(0) { $0 + $1[k] } / Double(curves.count) }, fraction: 0.1)
                var best = 0
                for k in average.indices where average[k] > average[best] { best = k }
                let series = perClass(curves) { name(m.classes[$0]) }
                    + [LineChart.Series(name: "all classes \(String(format: "%.2f at %.3f", average[best], m.x[best]))", x: m.x, y: average,
                                        color: "#0000ff", width: 3)]
                out.append((file, LineChart(title: "\(label)-Confidence Curve", xLabel: "Confidence", yLabel: label, series: series).svg))
            }
        }
        let labels = (0..<result.confusion.classCount).map(name) + ["background"]
        out.append(("confusion_matrix_normalized", HeatMap(title: "Confusion Matrix Normalized", rowLabel: "Predicted", columnLabel: "True",
                                                           labels: labels, values: result.confusion.normalized).svg))
        out.append(("confusion_matrix", HeatMap(title: "Confusion Matrix", rowLabel: "Predicted", columnLabel: "True", labels: labels,
                                                values: result.confusion.matrix, format: "%.0f", hideBelow: 0.5).svg))
        return out
    }

    func name(_ c: Int) -> String { names[c] ?? "class\(c)" }
}

/// Turns an SVG file into PNG with whichever renderer is installed: `rsvg-convert` (Debian's
/// librsvg2-bin) or ImageMagick's `convert`; nil when neither is there or it fails.
enum SVGRenderer {
    static var available: String? {
        for name in ["rsvg-convert", "convert"] {
            for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
                let path = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    static func png(svgPath: String) -> Data? {
        guard let tool = available else { return nil }
        let output = NSTemporaryDirectory() + "layerzoo-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).png"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = tool.hasSuffix("rsvg-convert") ? ["-o", output, svgPath] : [svgPath, output]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return FileManager.default.contents(atPath: output)
    }
}
