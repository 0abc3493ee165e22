import LayerZooTestSupport
import XCTest

/// Every argument the SAConv layers look up is one their definitions declare.
final class SAConvArgumentLookupTests: XCTestCase {
    func testEveryArgumentLookupIsDeclared() throws {
        assertArgumentLookupsAreDeclared(try saconvRegistry())
    }
}
