import LayerZooTestSupport
import XCTest

/// Every argument the DSConv layers look up is one their definitions declare.
final class DSConvArgumentLookupTests: XCTestCase {
    func testEveryArgumentLookupIsDeclared() throws {
        assertArgumentLookupsAreDeclared(try dsconvRegistry())
    }
}
