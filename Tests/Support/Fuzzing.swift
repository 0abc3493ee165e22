import Dispatch
import Foundation

/// The seeded generator of the mutation fuzzers (splitmix64): the same seed gives the same
/// mutants on every machine, so a finding is a reproducible test case.
public struct FuzzRandom {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A value in 0..<n (0 when n ≤ 1).
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// `count` values in [-spread, spread], on a grid of a millionth of it.
    public mutating func floats(_ count: Int, spread: Float) -> [Float] {
        (0..<count).map { _ in (Float(below(2_000_001)) / 1_000_000 - 1) * spread }
    }
}

/// How long a fuzzer runs: `LAYERZOO_FUZZ_ITERATIONS` mutants (else the test's default), or
/// with `LAYERZOO_FUZZ_SECONDS` until that much time has passed (scripts/fuzz.sh).
public struct FuzzBudget: Sendable {
    public let iterations: Int
    public let deadline: DispatchTime?

    public init(defaultIterations: Int) {
        let environment = ProcessInfo.processInfo.environment
        iterations = environment["LAYERZOO_FUZZ_ITERATIONS"].flatMap(Int.init) ?? defaultIterations
        deadline = environment["LAYERZOO_FUZZ_SECONDS"].flatMap(Double.init).map { DispatchTime.now() + $0 }
    }

    /// True while another mutant should run (`share` of the count, for costly mutants).
    public func more(_ done: Int, share: Double = 1) -> Bool {
        if let deadline { return DispatchTime.now() < deadline }
        return Double(done) < Double(iterations) * share
    }
}
