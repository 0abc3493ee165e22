import LayerZooTestSupport
import XCTest

/// Every argument the DynamicConv layers look up is one their definitions declare.
final class DynamicConvArgumentLookupTests: XCTestCase {
    func testEveryArgumentLookupIsDeclared() throws {
        assertArgumentLookupsAreDeclared(try dynamicConvRegistry())
    }
}
