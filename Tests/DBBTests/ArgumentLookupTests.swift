import LayerZooTestSupport
import XCTest

/// Every argument the DBB layers look up is one their definitions declare.
final class DBBArgumentLookupTests: XCTestCase {
    func testEveryArgumentLookupIsDeclared() throws {
        assertArgumentLookupsAreDeclared(try dbbRegistry())
    }
}
