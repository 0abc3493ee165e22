import Foundation
import LayerZoo
@testable import LayerZooStandard
import LayerZooTestSupport
import XCTest
import ZooCPU

/// CBFuse's nearest resizing to sizes that are not multiples of the input's, against
/// `F.interpolate(mode="nearest")`, and against the backend's upsampling where the ratio is whole.
final class NearestResizeTests: XCTestCase {
    func testResizeMatchesPyTorch() throws {
        let f = try fixture("modules/nearest_resize")
        let input = try f.tensor("input")
        let sizes = try JSONDecoder().decode([[Int]].self, from: Data(try XCTUnwrap(f.metadata["sizes"]).utf8))
        XCTAssertFalse(sizes.isEmpty)
        for size in sizes {
            let y = try CPUBackend().custom([input], NearestResize(height: size[0], width: size[1]))
            let expected = try f.tensor("output_\(size[0])x\(size[1])")
            XCTAssertEqual(y.shape, expected.shape)
            XCTAssertEqual(relativeError(y, expected), 0, "\(size)")
        }
    }

    func testWholeRatiosEqualUpsampling() throws {
        var random = FuzzRandom(state: 5)
        for _ in 0..<6 {
            let (c, h, w, s) = (1 + random.below(5), 1 + random.below(6), 1 + random.below(6), 1 + random.below(4))
            let x = try Tensor(shape: [2, c, h, w], data: (0..<(2 * c * h * w)).map { _ in Float(random.below(2001) - 1000) / 500 })
            let resized = try CPUBackend().custom([x], NearestResize(height: h * s, width: w * s))
            let upsampled = try CPUBackend().upsampleNearest(x, scale: s)
            XCTAssertEqual(relativeError(resized, upsampled), 0, "\([c, h, w, s])")
        }
    }
}
