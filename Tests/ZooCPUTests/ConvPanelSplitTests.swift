import XCTest
import ZooKernels
@testable import ZooCPU

/// Small maps (a classifier's 7×7 and 14×14) split their GEMM along the weights as well as the
/// columns; large maps keep splitting columns only. Both against the naive reference.
final class ConvPanelSplitTests: XCTestCase {
    override func tearDown() { ZooCPUSettings.restoreDefaults() }

    func testSmallMapsSplitTheWeightsAndLargeMapsTheColumns() {
        // 3×3 128→128 at 7×7: 4 column panels, 22 weight panels.
        let small = ConvPanelSplit.choose(columnPanels: 4, weightPanels: 22, panelWork: 1 << 20, threads: 2)
        XCTAssertGreaterThan(small.rowChunks, 1)
        XCTAssertEqual(small.tasks, 4)
        // 80×80 maps: columns only, four tasks a thread.
        XCTAssertEqual(ConvPanelSplit.choose(columnPanels: 400, weightPanels: 22, panelWork: 1 << 20, threads: 2),
                       ConvPanelSplit(rowChunks: 1, columnChunks: 8))
        // One thread, or too little work for two tasks: one task.
        XCTAssertEqual(ConvPanelSplit.choose(columnPanels: 4, weightPanels: 22, panelWork: 1 << 20, threads: 1).tasks, 1)
        XCTAssertEqual(ConvPanelSplit.choose(columnPanels: 4, weightPanels: 22, panelWork: (1 << 17) / 3, threads: 2).tasks, 1)
        // One weight panel: nothing to split along it.
        XCTAssertEqual(ConvPanelSplit.choose(columnPanels: 3, weightPanels: 1, panelWork: 1 << 20, threads: 2).rowChunks, 1)
    }

    func testTasksCoverEveryTileOnce() {
        for (columns, weights, threads) in [(4, 22, 2), (7, 3, 2), (1, 214, 2), (5, 9, 3), (13, 2, 4), (2, 2, 2)] {
            let split = ConvPanelSplit.choose(columnPanels: columns, weightPanels: weights, panelWork: 1 << 20, threads: threads)
            var seen = [Int](repeating: 0, count: columns * weights)
            for t in 0..<split.tasks {
                let (rows, cols) = split.ranges(task: t, weightPanels: weights, columnPanels: columns)
                for r in rows { for c in cols { seen[r * columns + c] += 1 } }
            }
            XCTAssertEqual(seen, [Int](repeating: 1, count: columns * weights), "\(columns)×\(weights) on \(threads): \(split)")
        }
    }

    func testSmallMapConvolutionsMatchTheReference() throws {
        var rng = SplitMix64(seed: 61)
        // Odd channel counts (ragged last weight panels of 5, 4, 1 rows), rows that wrap inside
        // a panel, a reduction over two blocks (37·9 = 333), stride 2, 1×1, a batch, maps of
        // one and two column panels.
        let cases: [(x: [Int], o: Int, k: Int, stride: Int, padding: Int)] = [
            ([1, 37, 7, 7], 131, 3, 1, 1), ([2, 45, 5, 9], 177, 1, 1, 0), ([1, 29, 14, 13], 70, 3, 2, 1),
            ([1, 256, 7, 7], 1283, 1, 1, 0), ([1, 19, 6, 7], 16, 3, 1, 1), ([1, 200, 4, 4], 1279, 1, 1, 0),
            ([1, 96, 4, 4], 97, 3, 1, 1),
        ]
        for cs in cases {
            let x = try randomTensor(cs.x, &rng)
            let w = try randomTensor([cs.o, cs.x[1], cs.k, cs.k], &rng, scale: 0.2)
            let b = try randomTensor([cs.o], &rng)
            let options = Conv2DOptions(stride: Pair2D(cs.stride), padding: Pair2D(cs.padding))
            let epilogue = ConvEpilogue(activation: .silu)
            let reference = try conv2dReference(x, weight: w, bias: b, options: options, epilogue: epilogue)
            try assertEverySettingMatches(reference, settings: [(2, false), (3, false), (2, true), (1, false)], "\(cs)") {
                try conv2d(x, weight: w, bias: b, options: options, epilogue: epilogue)
            }
        }
    }
}
