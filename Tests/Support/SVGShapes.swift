import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What an SVG chart holds, read back with Foundation's XMLParser: the `<rect>`s that carry a
/// `<title>` tooltip (bars, heat-map cells) with their attributes and tooltip text, every
/// `<text>`, and the number of `<polyline>`s. `parse` is nil when the document is not well-formed.
public final class SVGShapes: NSObject, XMLParserDelegate {
    public private(set) var rects: [(attributes: [String: String], title: String)] = []
    public private(set) var texts: [String] = []
    public private(set) var polylines = 0
    private var current: [String: String]?
    private var text = ""

    public static func parse(_ data: Data) -> SVGShapes? {
        let shapes = SVGShapes()
        let parser = XMLParser(data: data)
        parser.delegate = shapes
        return parser.parse() ? shapes : nil
    }

    public func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                       attributes: [String: String] = [:]) {
        if name == "rect" { current = attributes }
        if name == "polyline" { polylines += 1 }
        text = ""
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    public func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "title", let current { rects.append((current, text)) }
        if name == "rect" { current = nil }
        if name == "text" { texts.append(text) }
    }
}
