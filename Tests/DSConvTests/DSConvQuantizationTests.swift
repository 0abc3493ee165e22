import LayerZoo
import LayerZooTestSupport
import LayerZooDSConv
import XCTest
import ZooCPU

/// The quantised mode: b-bit integer kernels per block of 32 input channels with one
/// least-squares scale per (output channel, block, kernel position), run from that form.
final class DSConvQuantizationTests: XCTestCase {
    func testPackedCodesRoundTrip() throws {
        for bits in 2...8 {
            let range = PackedCodes.range(bits: bits)
            XCTAssertEqual(range, -(1 << (bits - 1))...((1 << (bits - 1)) - 1))
            var codes: [Int8] = [Int8(range.lowerBound), Int8(range.upperBound), 0, -1, 1]
            var state: UInt32 = 12345
            for _ in 0..<200 {
                state = state &* 1_103_515_245 &+ 12345
                codes.append(Int8(range.lowerBound + Int(state >> 16) % range.count))
            }
            let packed = try XCTUnwrap(PackedCodes(codes, bits: bits))
            XCTAssertEqual(packed.unpacked(), codes, "\(bits) bits")
            XCTAssertEqual(packed.byteCount, (codes.count * bits + 7) / 8 + 1, "\(bits) bits")
            XCTAssertNil(PackedCodes([Int8(range.upperBound) + (bits < 8 ? 1 : 0)], bits: bits == 8 ? 9 : bits))
        }
        XCTAssertNil(PackedCodes([0], bits: 1))
    }

    /// Blocks as the seed's get_weight_res cuts them: ceil(c / 32) blocks of c / nb channels,
    /// the last one taking the remainder.
    func testBlocksFollowTheSeed() {
        XCTAssertEqual(DSConvQuantizer.blockStarts(channels: 1, blockSize: 32), [0, 1])
        XCTAssertEqual(DSConvQuantizer.blockStarts(channels: 16, blockSize: 32), [0, 16])
        XCTAssertEqual(DSConvQuantizer.blockStarts(channels: 32, blockSize: 32), [0, 32])
        XCTAssertEqual(DSConvQuantizer.blockStarts(channels: 40, blockSize: 32), [0, 20, 40])
        XCTAssertEqual(DSConvQuantizer.blockStarts(channels: 65, blockSize: 32), [0, 21, 42, 65])
        XCTAssertEqual(DSConvQuantizer.blockStarts(channels: 128, blockSize: 32), [0, 32, 64, 96, 128])
    }

    /// A random weight [c2, c1/g, k, k] with values of very different sizes per block.
    func randomWeight(_ shape: [Int], seed: UInt64) throws -> Tensor {
        let t = try Tensor(shape: shape)
        var state = seed
        for i in 0..<t.count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Float(state >> 40) * 0x1p-24
            t.pointer[i] = (2 * u - 1) * (i % 7 == 0 ? 1.0 : 0.1)
        }
        return t
    }

    func testScalesAreLeastSquaresAndErrorFallsWithBits() throws {
        let w = try randomWeight([6, 40, 3, 3], seed: 1)
        var previous = Double.infinity
        for bits in [2, 3, 4, 6, 8] {
            let q = try DSConvQuantizer.quantize(w, bits: bits)
            XCTAssertEqual(q.alpha.count, 6 * 2 * 9)
            XCTAssertEqual(q.blockStarts, [0, 20, 40])
            let range = PackedCodes.range(bits: bits)
            var sse = 0.0, naive = 0.0
            for o in 0..<6 {
                for b in 0..<2 {
                    for tap in 0..<9 {
                        var wq = 0.0, qq = 0.0, peak: Float = 0
                        for i in q.blockStarts[b]..<q.blockStarts[b + 1] {
                            let code = q.code(o, i, tap), value = w.pointer[(o * 40 + i) * 9 + tap]
                            XCTAssertTrue(range.contains(Int(code)))
                            wq += Double(value) * Double(code)
                            qq += Double(code) * Double(code)
                            peak = max(peak, abs(value))
                            let d = Double(value) - Double(q.scale(o, b, tap)) * Double(code)
                            sse += d * d
                        }
                        // alpha is the least-squares scale of its codes.
                        XCTAssertEqual(Double(q.scale(o, b, tap)), qq > 0 ? wq / qq : 0, accuracy: 1e-6 * Double(peak))
                        // Never worse than plain symmetric max scaling.
                        let step = peak / Float(range.upperBound)
                        for i in q.blockStarts[b]..<q.blockStarts[b + 1] {
                            let value = w.pointer[(o * 40 + i) * 9 + tap]
                            let d = Double(value) - Double(step) * Double((value / step).rounded())
                            naive += d * d
                        }
                    }
                }
            }
            XCTAssertEqual(sse, q.squaredError, accuracy: 1e-9 + 1e-6 * sse)
            XCTAssertLessThanOrEqual(sse, naive * (1 + 1e-9), "\(bits) bits")
            XCTAssertLessThan(q.squaredError, previous, "\(bits) bits")
            previous = q.squaredError
            print("\(bits) bits: relative weight error \(q.relativeWeightError), stored \(q.storedBytes) of \(q.floatBytes) bytes")
        }
    }

    /// The quantised kernel computes exactly the convolution with `alpha × VQK` (then BN and
    /// activation): groups, stride 2, uneven blocks, batch 2, a 1×1 layer.
    func testQuantizedConvolutionEqualsDequantizedWeights() throws {
        let cases: [(c1: Int, c2: Int, k: Int, s: Int, g: Int, shape: [Int])] = [
            (80, 24, 3, 2, 2, [2, 80, 11, 9]), (40, 16, 1, 1, 1, [2, 40, 7, 6]), (64, 32, 3, 1, 1, [1, 64, 8, 8]),
            (8, 8, 3, 1, 8, [2, 8, 5, 5]),
            // Large enough maps that the im2col columns are cut into tiles.
            (32, 8, 3, 1, 1, [1, 32, 64, 64]), (32, 8, 3, 2, 1, [1, 32, 130, 128]),
        ]
        for (index, c) in cases.enumerated() {
            for bits in [3, 8] {
                let layer = try DSConv2D(c.c1, c.c2, k: IntOrPair(c.k), s: IntOrPair(c.s), g: c.g)
                for (key, parameter) in layer.namedTensors() where !key.hasSuffix("num_batches_tracked") {
                    let t = try randomWeight(parameter.shape, seed: UInt64(index * 100 + key.count))
                    if key.hasSuffix("running_var") || key == "bn.weight" {
                        for i in 0..<t.count { t.pointer[i] = 0.6 + abs(t.pointer[i]) }
                    }
                    parameter.value = t
                }
                try layer.prepareTreeForInference()
                let x = try randomWeight(c.shape, seed: 99)
                let float = try layer.forward([x], on: CPUBackend())
                let q = try layer.conv.quantize(bits: bits)
                XCTAssertNil(layer.conv.weight.value, "the float weight is released")
                XCTAssertEqual(q.codes.bits, bits)
                // The reference: a plain float Conv with the dequantised weight.
                let conv = try Conv2d(c.c1, c.c2, kernel: IntOrPair(c.k), stride: IntOrPair(c.s),
                                      padding: IntOrPair(c.k / 2), groups: c.g, bias: false)
                conv.weight.value = try q.dequantized()
                let backend = CPUBackend()
                let expected = try backend.convBNAct(x, conv, layer.bn, .silu)
                let actual = try layer.forward([x], on: CPUBackend())
                XCTAssertLessThan(relativeError(actual, expected), 1e-5, "case \(index), \(bits) bits")
                let drift = relativeError(actual, float)
                XCTAssertLessThan(drift, bits == 8 ? 2e-2 : 0.5, "case \(index), \(bits) bits")
            }
        }
    }

    /// Configs/yolov8-dsconv.yaml (scale n, seeded weights, 64×96, batch 2) at 8 bits: within
    /// 1e-2 of the float output, and at least 3.5× fewer bytes for the DSConv weights.
    func testEightBitModelIsCloseAndSmall() throws {
        let m = try seededDSConvModel()
        let x = try SeededWeights.input(shape: [2, 3, 64, 96], seed: 0)
        let estimate = try DSConvLayers.storageEstimate(m, bits: 8)
        let result = try DSConvLayers.quantizeAndCompare(m, input: x, bits: 8)
        let report = result.report
        print(report)
        print("8 bits: output error \(result.error); boxes \(result.boxes.map(\.relative) ?? -1), scores \(result.scores.map(\.relative) ?? -1)")
        XCTAssertEqual(report.layers.count, 16)  // 6 downsampling DSConv2D, 10 bottlenecks at depth 0.33
        XCTAssertEqual(report.layers.map(\.quantizedBytes), estimate.layers.map(\.quantizedBytes))
        XCTAssertEqual(report.floatBytes, 4 * DSConvLayers.layers(in: m).reduce(0) { $0 + $1.layer.conv.weight.count })
        XCTAssertGreaterThanOrEqual(report.compression, 3.5)
        XCTAssertLessThan(result.error.relative, 1e-2)
        XCTAssertLessThan(try XCTUnwrap(result.boxes).relative, 1e-2)
        XCTAssertLessThan(try XCTUnwrap(result.scores).relative, 1e-2)
        // Quantised for real: integer storage, no float weight left.
        for (key, _, layer) in DSConvLayers.layers(in: m) {
            XCTAssertNil(layer.conv.weight.value, key)
            let q = try XCTUnwrap(layer.conv.quantized, key)
            XCTAssertEqual(q.codes.bits, 8, key)
            XCTAssertEqual(q.codes.byteCount, layer.conv.weight.count + 1, key)
        }
    }

    /// Fewer bits, larger error: 8 > 6 > 4 > 3 > 2 in accuracy, and smaller storage.
    func testErrorGrowsAsBitsFall() throws {
        let x = try SeededWeights.input(shape: [1, 3, 64, 64], seed: 0)
        var errors: [Float] = [], bytes: [Int] = []
        for bits in [8, 6, 4, 3, 2] {
            let result = try DSConvLayers.quantizeAndCompare(try seededDSConvModel(), input: x, bits: bits)
            let scores = try XCTUnwrap(result.scores).relative, boxes = try XCTUnwrap(result.boxes).relative
            print("\(bits) bits: \(result.report); output error \(result.error.relative), boxes \(boxes), scores \(scores)")
            errors.append(result.error.relative)
            bytes.append(result.report.quantizedBytes)
        }
        for i in 1..<errors.count {
            XCTAssertGreaterThan(errors[i], errors[i - 1], "error at \([8, 6, 4, 3, 2][i]) bits")
            XCTAssertLessThan(bytes[i], bytes[i - 1])
        }
    }

    func testQuantizeNeedsWeightsAndValidBits() throws {
        let m = try buildModel(try configText("yolov8-dsconv.yaml"), file: "yolov8-dsconv.yaml", scale: "n")
        XCTAssertThrowsError(try DSConvLayers.quantize(m, bits: 8)) { error in
            XCTAssertTrue("\(error)".contains("yolov8-dsconv.yaml:25:5: error: layer 1 (DSConv2D): model.1: a convolution weight has no value"), "\(error)")
        }
        for bits in [0, 1, 9, 32] {
            XCTAssertThrowsError(try DSConvLayers.quantize(m, bits: bits)) { error in
                XCTAssertTrue("\(error)".contains("--dsconv-bits must be from 2 to 8, got \(bits)"), "\(error)")
            }
        }
        XCTAssertThrowsError(try DSConvLayers.storageEstimate(m, bits: 1))
    }

    /// The mode sticks: weights loaded (here: seeded) after quantising are quantised at load.
    func testNewWeightsAreQuantizedWhenPrepared() throws {
        let m = try seededDSConvModel()
        try DSConvLayers.quantize(m, bits: 4)
        let first = try XCTUnwrap(DSConvLayers.layers(in: m).first?.layer)
        XCTAssertThrowsError(try first.conv.quantize(bits: 6)) { error in
            XCTAssertTrue("\(error)".contains("already quantised to 4 bits"), "\(error)")
        }
        try m.initializeSeededWeights(seed: 1)
        XCTAssertNil(first.conv.weight.value)
        XCTAssertEqual(first.conv.quantized?.bits, 4)
        XCTAssertNoThrow(try m.forward(try SeededWeights.input(shape: [1, 3, 64, 64], seed: 0)))
    }
}
