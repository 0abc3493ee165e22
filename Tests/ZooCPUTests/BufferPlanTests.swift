import Foundation
import XCTest
@testable import ZooCPU

/// `BufferPlan`: a pass's buffers recorded, placed by liveness in one arena, handed out again
/// only where nothing alive overlaps.
final class BufferPlanTests: XCTestCase {
    let mib = 1 << 18  // floats in 1 MiB

    /// A chain a → b → c → d where each buffer is freed after the next one is made: at most two
    /// are alive at once, so two slots suffice however long the chain.
    func chain(_ plan: BufferPlan, sizes: [Int], fill: Bool = true) throws -> (result: Tensor, pointers: [UnsafeMutablePointer<Float>]) {
        try plan.run { () throws(BackendError) in
            var pointers: [UnsafeMutablePointer<Float>] = []
            var previous = try Tensor(shape: [sizes[0]], repeating: 1)
            pointers.append(previous.pointer)
            for (i, n) in sizes.dropFirst().enumerated() {
                let next = try Tensor.uninitialized(shape: [n])
                if fill {
                    let value = previous.pointer[0] + 1
                    next.fill(value)
                    XCTAssertEqual(previous.pointer[previous.count - 1], value - 1, "buffer \(i) was overwritten while alive")
                }
                pointers.append(next.pointer)
                previous = next
            }
            return (try previous.copy(), pointers)
        }
    }

    func testARepeatedPassRunsInAnArenaOfItsLiveBuffers() throws {
        let plan = BufferPlan()
        let sizes = [mib, 2 * mib, mib, 2 * mib, mib, 3 * mib, mib]
        let first = try chain(plan, sizes: sizes)
        XCTAssertEqual(plan.lastPassServed, 0, "the first pass only records")
        XCTAssertEqual(plan.plannedBuffers, sizes.count, "every buffer but the result's copy lived and died in the pass")
        // The largest pair alive at once, 3 + 1 MiB, not the 11 MiB of the chain, and the
        // first pass's result (1 MiB, still held), which stays where that pass made it.
        XCTAssertEqual(plan.arenaBytes, 5 << 20)
        let second = try chain(plan, sizes: sizes)
        XCTAssertEqual(plan.lastPassServed, sizes.count)
        XCTAssertEqual(first.result.toArray(), second.result.toArray())
        let third = try chain(plan, sizes: sizes)
        XCTAssertEqual(third.pointers, second.pointers, "the same plan, the same places")
        XCTAssertEqual(third.result.toArray(), [Float](repeating: Float(sizes.count), count: mib))
    }

    /// A buffer the caller keeps past the pass is never placed, and a kept arena buffer is not
    /// handed out again while it lives.
    func testBuffersThatOutliveThePassAreNotOverwritten() throws {
        let plan = BufferPlan()
        var kept: [Tensor] = []
        for pass in 0..<4 {
            let t: Tensor = try plan.run { () throws(BackendError) in
                let a = try Tensor(shape: [mib], repeating: Float(pass))
                let b = try Tensor(shape: [mib], repeating: Float(pass) + 0.5)
                _ = try Tensor(shape: [2 * mib], repeating: -1)
                return pass == 2 ? a : b  // pass 2 keeps a buffer the plan thought was temporary
            }
            kept.append(t)
        }
        for (pass, t) in kept.enumerated() {
            let expected = pass == 2 ? Float(pass) : Float(pass) + 0.5
            XCTAssertEqual(t.toArray().min(), expected, "pass \(pass)'s result was overwritten")
            XCTAssertEqual(t.toArray().max(), expected, "pass \(pass)'s result was overwritten")
        }
    }

    /// Another sequence of sizes (another input size) falls back to ordinary memory, then is
    /// planned in its turn.
    func testADifferentPassIsReplanned() throws {
        let plan = BufferPlan()
        let a = [mib, 2 * mib, mib], b = [3 * mib, mib, 3 * mib, mib]
        _ = try chain(plan, sizes: a)
        _ = try chain(plan, sizes: a)
        XCTAssertEqual(plan.lastPassServed, a.count)
        let other = try chain(plan, sizes: b)
        XCTAssertEqual(plan.lastPassServed, 0)
        XCTAssertEqual(other.result.toArray().first, Float(b.count))
        XCTAssertEqual(plan.arenaBytes, 4 << 20, "grown from 3 MiB (1 + 2 alive at once; the first results were dropped) to 3 + 1")
        _ = try chain(plan, sizes: b)
        XCTAssertEqual(plan.lastPassServed, b.count)
        _ = try chain(plan, sizes: a)
        XCTAssertEqual(plan.lastPassServed, 0)
        _ = try chain(plan, sizes: a)
        XCTAssertEqual(plan.lastPassServed, a.count)
        XCTAssertEqual(plan.arenaBytes, 4 << 20, "the arena only grows")
    }

    /// Small buffers and scratch stay outside the plan, and so does everything outside a pass;
    /// a nested pass of the same plan is part of the outer one; freeing on another thread is fine.
    func testWhatThePlanLeavesAlone() throws {
        let plan = BufferPlan()
        _ = try Tensor(shape: [mib])
        let inner: Int = try plan.run { () throws(BackendError) in
            _ = try Tensor(shape: [16])
            _ = try TensorStorage(count: mib, zeroed: false, reusable: false)
            let moved = Box(try Tensor(shape: [mib]))
            let done = DispatchSemaphore(value: 0)
            Thread { moved.tensor = nil; done.signal() }.start()
            done.wait()
            return try plan.run { () throws(BackendError) in
                _ = try Tensor(shape: [mib])
                return 1
            }
        }
        XCTAssertEqual(inner, 1)
        XCTAssertEqual(plan.plannedBuffers, 2, "the freed-elsewhere buffer and the nested pass's")
        XCTAssertNil(BufferPlan.current)
    }

    /// Whatever the order of making and freeing, buffers alive together never share memory.
    func testRandomPassesNeverOverlapLiveBuffers() throws {
        var rng = SystemRandomNumberGenerator()
        let plan = BufferPlan()
        let script: [(size: Int, freeAfter: Int)] = (0..<40).map { _ in
            (Int.random(in: 16_384...400_000, using: &rng), Int.random(in: 0...6, using: &rng))
        }
        for pass in 0..<4 {
            try plan.run { () throws(BackendError) in
                var alive: [(tensor: Tensor, value: Float, until: Int)] = []
                for (i, step) in script.enumerated() {
                    let t = try Tensor.uninitialized(shape: [step.size])
                    let value = Float(i * 10 + pass)
                    t.fill(value)
                    alive.append((t, value, i + step.freeAfter))
                    for a in alive {
                        XCTAssertEqual(a.tensor.pointer[0], a.value)
                        XCTAssertEqual(a.tensor.pointer[a.tensor.count - 1], a.value)
                    }
                    alive.removeAll { $0.until <= i }
                }
            }
            if pass > 0 { XCTAssertEqual(plan.lastPassServed, script.count) }
        }
    }
}

/// A tensor handed to another thread to be freed there.
private final class Box: @unchecked Sendable {
    var tensor: Tensor?
    init(_ tensor: Tensor) { self.tensor = tensor }
}
