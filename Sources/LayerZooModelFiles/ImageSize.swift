import Foundation

/// `--imgsz 640` or `--imgsz 480,640` (height, width; `480x640` too). Empty parts (`64,,640`,
/// `64x`, `x64`) are refused, not skipped.
public struct ImageSize: Sendable {
    public var height: Int
    public var width: Int

    public init?(argument: String) {
        let parts = argument.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "x" })
        guard (1...2).contains(parts.count) else { return nil }
        var values: [Int] = []
        for part in parts {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else { return nil }
            values.append(value)
        }
        height = values[0]
        width = values.count == 2 ? values[1] : values[0]
    }

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The largest side any command accepts.
    public static let limit = 16_384

    public var defaultValueDescription: String { height == width ? "\(height)" : "\(height),\(width)" }
}
