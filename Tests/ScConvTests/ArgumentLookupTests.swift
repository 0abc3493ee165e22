import LayerZooTestSupport
import XCTest

/// Every argument the ScConv layers look up is one their definitions declare.
final class ScConvArgumentLookupTests: XCTestCase {
    func testEveryArgumentLookupIsDeclared() throws {
        assertArgumentLookupsAreDeclared(try scconvRegistry())
    }
}
