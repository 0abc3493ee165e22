import Foundation
@testable import LayerZooScConv
import XCTest

/// The gate's fast decision must agree with PyTorch's float32 expression
/// r = sigmoid(((x - mean) / (std + 1e-10) · gamma + beta) · w) ≥ t everywhere, in particular
/// for inputs a few ulps from the threshold, where only the exact path can decide.
final class GateRuleTests: XCTestCase {
    func exact(_ x: Float, _ ch: GateRule.Channel, _ t: Float) -> (Float, Float) {
        let r = GateRule.sigmoid(((x - ch.mean) / ch.denominator * ch.gamma + ch.beta) * ch.w)
        return (r >= t ? 1 : 0, r < t ? 1 : 0)
    }

    func testFastDecisionsAgreeWithTheExactExpression() {
        var rng = SplitMix64(seed: 20251123)
        var checked = 0, nearBoundary = 0
        for t in [0.5, 0.3, 0.6, 0.05, 0.95, 0.01, 0.99, 0.0, 1.0, 0.001] as [Float] {
            for _ in 0..<150 {
                let groupSize = Int.random(in: 2...20_000, using: &rng)
                let rule = GateRule(threshold: t, groupSize: groupSize)
                let mean = Float.random(in: -3...3, using: &rng), std = Float.random(in: 1e-3...5, using: &rng)
                let gamma = Float.random(in: -2...2, using: &rng), beta = Float.random(in: -1...1, using: &rng)
                let w = Float.random(in: -3...3, using: &rng)
                let ch = rule.channel(mean: mean, std: std, gamma: gamma, beta: beta, w: w)
                var xs: [Float] = (0..<200).map { _ in mean + std * Float.random(in: -4...4, using: &rng) }
                // Inputs whose gate value sits on the threshold, and their neighbours.
                if t > 0, t < 1 {
                    let logit = log(Double(t) / (1 - Double(t)))
                    let x0 = Float(Double(mean) + (logit / Double(w) - Double(beta)) / Double(gamma) * Double(ch.denominator))
                    if x0.isFinite {
                        var up = x0, down = x0
                        for _ in 0..<64 {
                            xs += [up, down]
                            up = up.nextUp
                            down = down.nextDown
                        }
                    }
                }
                for x in xs {
                    let fast = rule.masks(x, ch), slow = exact(x, ch, t)
                    XCTAssertTrue(fast == slow, "t=\(t) x=\(x) \(ch): fast \(fast), exact \(slow)")
                    if fast != slow { return }
                    checked += 1
                    if abs((x - ch.mean) * ch.scale + ch.offset - (ch.low + ch.high) / 2) < 1e-3 { nearBoundary += 1 }
                }
            }
        }
        XCTAssertGreaterThan(nearBoundary, 1_000)
        print("gate decisions checked: \(checked), near the boundary: \(nearBoundary)")
    }

    /// Exact ties (gamma = 0: w = 0, sigmoid(0) = 0.5) are informative at t = 0.5.
    func testTiesAreInformative() {
        let rule = GateRule(threshold: 0.5, groupSize: 64)
        let ch = rule.channel(mean: 0.3, std: 1.2, gamma: 0, beta: -0.7, w: 0)
        for x: Float in [-3, 0, 0.3, 2.5] {
            XCTAssertTrue(rule.masks(x, ch) == (1, 0))
        }
    }
}

/// A seeded generator, so that a failure can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
