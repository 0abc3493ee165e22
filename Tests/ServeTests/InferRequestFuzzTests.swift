import Foundation
@testable import LayerZooServe
import LayerZooTestSupport
import XCTest

/// Mutated infer bodies (JSON and binary) decode or fail with a 400 naming the problem; every
/// decoded input holds exactly the elements its shape says.
final class InferRequestFuzzTests: XCTestCase {
    static let header = Array("{\"id\":\"a\",\"inputs\":[{\"name\":\"images\",\"shape\":[1,3,2,2],\"datatype\":\"FP16\",\"parameters\":{\"binary_data_size\":24}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}],\"parameters\":{\"binary_data_output\":false}}".utf8)
    static let json = Array("{\"inputs\":[{\"name\":\"images\",\"shape\":[1,3,2,2],\"datatype\":\"INT16\",\"data\":[[1,2,3,4],[5,6,7,8],[9,10,11,-12]]}]}".utf8)

    func testMutatedBodiesDecodeOrAre400() {
        var random = FuzzRandom(state: 27)
        let budget = FuzzBudget(defaultIterations: 3000)
        let tokens = Array("{}[],:\"0-1e9.5 truenull\\u".utf8)
        var done = 0, decoded = 0
        while budget.more(done) {
            let binary = random.below(2) == 0
            var body = binary ? Self.header + Array(repeating: 0x3C, count: 24) : Self.json
            for _ in 0...random.below(4) {
                let at = random.below(body.count)
                switch random.below(4) {
                case 0: body[at] = tokens[random.below(tokens.count)]
                case 1: body.remove(at: at)
                case 2: body.insert(tokens[random.below(tokens.count)], at: at)
                default: body.insert(contentsOf: body[at..<min(body.count, at + random.below(16))], at: at)
                }
            }
            let headerLength = binary ? min(Self.header.count, body.count) : nil
            do {
                let request = try body.withUnsafeBytes {
                    try InferRequest.parse($0, headerLength: headerLength, limits: InferLimits(maxElements: 1 << 16))
                }
                for input in request.inputs { XCTAssertEqual(input.tensor.count, input.tensor.shape.reduce(1, *)) }
                decoded += 1
            } catch let error as ServeError {
                XCTAssertEqual(error.status, .badRequest, error.message)
                XCTAssertFalse(error.message.isEmpty)
            } catch {
                XCTFail("not a ServeError: \(error)")
            }
            done += 1
        }
        XCTAssertGreaterThan(decoded, 0, "some mutants keep a valid body")
    }

    func testUnmutatedBodiesDecodeTheirValues() throws {
        let request = try Self.json.withUnsafeBytes { try InferRequest.parse($0, headerLength: nil, limits: InferLimits(maxElements: 100)) }
        XCTAssertEqual(request.inputs.first?.tensor.toArray(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12])
        // 0x3C00 is 1.0 in IEEE half precision, little-endian 00 3C.
        let body = Self.header + (0..<12).flatMap { _ in [UInt8(0x00), 0x3C] }
        let binary = try body.withUnsafeBytes { try InferRequest.parse($0, headerLength: Self.header.count, limits: InferLimits(maxElements: 100)) }
        XCTAssertEqual(binary.inputs.first?.tensor.toArray(), Array(repeating: 1, count: 12))
        XCTAssertEqual(binary.outputs, [InferRequest.RequestedOutput(name: "output", binary: true)])
        XCTAssertEqual(binary.id, "a")
        XCTAssertFalse(binary.binaryOutput)
    }
}
