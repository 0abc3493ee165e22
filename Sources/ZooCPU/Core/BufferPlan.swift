import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Activation memory of repeated forward passes, placed by an offline plan.
///
/// A pass run inside `run(_:)` records every tensor buffer of at least `minimumBytes` that it
/// allocates on its thread: its size, when it was made and when it was freed. After the pass,
/// buffers that lived and died inside it get an offset in one arena, by the greedy-by-size
/// placement of TensorFlow Lite's arena planner (largest first, each at the lowest offset
/// where it overlaps nothing alive at the same time), so the arena is about the largest set of
/// buffers alive at once, not a pool per size. The next pass that allocates the same sizes in
/// the same order gets those offsets. A buffer that outlived the pass (the result the caller
/// keeps, a layer's cache) is never planned.
///
/// The plan is checked, not trusted: a region is handed out only when no buffer still in use
/// overlaps it, so a pass that differs (another input size, a caller holding an old output)
/// falls back to ordinary allocation and the plan is remade from that pass. While no plan
/// fits, buffers are freed at once, never kept for reuse, so the pass peaks at what it holds
/// alive.
///
/// The very first pass, before any plan, places its buffers as they come (first fit) in one
/// reserved mapping instead (`FirstPassRegion`), so a freed buffer's pages, already faulted
/// in, serve the next buffer: the pass touches about the memory it holds alive, not the sum
/// of all its buffers, and the plan made after it adopts that memory as its arena, so the
/// second pass faults nothing in either.
///
/// One plan serves one pass at a time (like the backend that owns it); a buffer may be freed on
/// any thread.
public final class BufferPlan: @unchecked Sendable {
    /// Smaller buffers come from malloc.
    public static let minimumBytes = 64 << 10
    /// A pass that allocates more buffers than this is not recorded past them (placing n
    /// buffers costs n² steps; a large detector at batch 8 makes about a thousand).
    static let maximumRecords = 10_000

    /// A planned or recorded buffer, as its storage remembers it.
    struct Slot {
        let plan: BufferPlan
        let pass: Int
        let index: Int
        /// The arena the buffer lives in, or nil when it came from ordinary allocation.
        let arena: Arena?
        let offset: Int
        /// Page-rounded bytes, for a buffer of the first pass's region (0 otherwise).
        var regionBytes = 0
    }

    /// One block of mapped memory; unmapped when the plan and every buffer in it let go.
    final class Arena {
        let base: UnsafeMutableRawPointer
        let bytes: Int

        /// `reserving`: address space only, pages committed as they are touched.
        init?(bytes: Int, reserving: Bool = false) {
            guard let base = PageMemory.map(bytes: bytes, reserving: reserving) else { return nil }
            self.base = base
            self.bytes = bytes
        }

        deinit { munmap(base, PageMemory.roundedToPages(bytes)) }
    }

    private struct Record {
        var bytes: Int
        var start: Int
        var end: Int?
    }

    private struct Entry {
        var bytes: Int
        /// Offset in the arena; nil for a buffer that outlived its pass.
        var offset: Int?
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private var arena: Arena?
    /// Regions of `arena` in use: start and end offsets.
    private var live: [(start: Int, end: Int)] = []
    private var records: [Record] = []
    private var clock = 0
    private var pass = 0
    private var inPass = false
    private var diverged = false
    private var served = 0
    /// The first pass's memory while it runs (see `FirstPassRegion`); nil before and after.
    private var region: FirstPassRegion?
    private var regionTried = false
    /// Bytes the arena was made (or adopted) for.
    private var arenaSize = 0

    public init() {}

    /// Bytes of the arena the current plan places buffers in (0 before the first plan).
    public var arenaBytes: Int { lock.withLock { arena == nil ? 0 : arenaSize } }

    /// Pages the first pass touched in its region (its high-water mark; 0 when it had none).
    public var firstPassBytes: Int { lock.withLock { firstPassTop } }
    private var firstPassTop = 0

    /// The most bytes the last planned pass held alive at once in buffers the plan places: the
    /// least any arena for them can be (`arenaBytes` is at least this, and should not be far above).
    public var liveBoundBytes: Int { lock.withLock { liveBound } }
    private var liveBound = 0

    /// Buffers the last pass got from the arena.
    public var lastPassServed: Int { lock.withLock { lastServed } }
    private var lastServed = 0

    /// Buffers the current plan places in the arena.
    public var plannedBuffers: Int { lock.withLock { entries.filter { $0.offset != nil }.count } }

    /// Runs `body` as one pass of this plan: buffers it allocates on this thread come from the
    /// plan (or are recorded for the next one). Nested in a pass of this plan, `body` is part
    /// of that pass; while another thread runs a pass of it, `body` runs outside the plan.
    public func run<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let previous = pthread_getspecific(Self.key)
        let started: Bool = lock.withLock {
            guard !inPass else { return false }
            inPass = true
            diverged = false
            served = 0
            records.removeAll(keepingCapacity: true)
            return true
        }
        guard started else { return try body() }
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        defer {
            pthread_setspecific(Self.key, previous)
            finishPass()
        }
        return try body()
    }

    /// The plan of the pass running on this thread, if any.
    static var current: BufferPlan? {
        pthread_getspecific(key).map { Unmanaged<BufferPlan>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The memory for the pass's next buffer of `bytes` bytes: a region of the arena when the
    /// plan has one free for it, else nil (the caller allocates; the slot still records it).
    func take(bytes: Int) -> (pointer: UnsafeMutableRawPointer?, slot: Slot) {
        lock.withLock {
            let index = records.count
            guard inPass, index < Self.maximumRecords else {
                diverged = true
                return (nil, Slot(plan: self, pass: pass, index: -1, arena: nil, offset: 0))
            }
            clock += 1
            records.append(Record(bytes: bytes, start: clock))
            guard !diverged, index < entries.count, entries[index].bytes == bytes else {
                diverged = true
                if arena == nil, !regionTried {
                    regionTried = true
                    region = FirstPassRegion()
                }
                if let region, let offset = region.take(bytes: bytes) {
                    live.append((offset, offset + bytes))
                    return (region.arena.base + offset, Slot(plan: self, pass: pass, index: index, arena: region.arena,
                                                             offset: offset, regionBytes: PageMemory.roundedToPages(bytes)))
                }
                return (nil, Slot(plan: self, pass: pass, index: index, arena: nil, offset: 0))
            }
            guard let offset = entries[index].offset, let arena else {
                return (nil, Slot(plan: self, pass: pass, index: index, arena: nil, offset: 0))
            }
            let end = offset + bytes
            if live.contains(where: { $0.start < end && offset < $0.end }) {
                diverged = true
                return (nil, Slot(plan: self, pass: pass, index: index, arena: nil, offset: 0))
            }
            live.append((offset, end))
            served += 1
            return (arena.base + offset, Slot(plan: self, pass: pass, index: index, arena: arena, offset: offset))
        }
    }

    /// A buffer of `slot` was freed (on any thread).
    func release(_ slot: Slot) {
        lock.withLock {
            if let a = slot.arena, a === arena || a === region?.arena, let i = live.firstIndex(where: { $0.start == slot.offset }) {
                live.remove(at: i)
            }
            if let region, slot.arena === region.arena { region.give(offset: slot.offset, bytes: slot.regionBytes) }
            if inPass, slot.pass == pass, slot.index >= 0, slot.index < records.count {
                clock += 1
                records[slot.index].end = clock
            }
        }
    }

    private func finishPass() {
        lock.withLock {
            inPass = false
            lastServed = served
            if diverged || records.count != entries.count { replan() }
            pass += 1
        }
    }

    /// Places this pass's buffers; grows the arena when they need more.
    private func replan() {
        // Buffers still alive in the arena (or the first pass's region, which the plan adopts),
        // such as a result the caller keeps, stay where they are: the plan places around them.
        let held = live.map { (start: Int.min, end: Int.max, offset: $0.start, bytes: $0.end - $0.start) }
        let ended = records.indices.filter { records[$0].end != nil }
        // Greedy by size (TensorFlow Lite's) is usually the tighter, first fit in the pass's own
        // order now and then: the smaller of the two.
        let bySize = place(ended.sorted { records[$0].bytes != records[$1].bytes ? records[$0].bytes > records[$1].bytes : $0 < $1 },
                           around: held)
        let inOrder = place(ended, around: held)
        let (offsets, total) = inOrder.total < bySize.total ? inOrder : bySize
        liveBound = largestLiveSet()
        entries = records.indices.map { Entry(bytes: records[$0].bytes, offset: offsets[$0]) }
        if let first = region {
            region = nil
            firstPassTop = first.top
            if total > 0, total <= first.arena.bytes {
                // Buffers still alive in it stay in `live`, so the plan is not handed out over them.
                let kept = PageMemory.roundedToPages(max(total, live.map(\.end).max() ?? 0))
                first.release(above: kept)
                arena = first.arena
                arenaSize = total
                return
            }
            live.removeAll()
        }
        if total > (arena == nil ? 0 : arenaSize) {
            arena = nil  // buffers still in the old arena keep it mapped until they go
            live.removeAll()
            arena = total > 0 ? Arena(bytes: total) : nil
            arenaSize = total
        }
    }

    /// Offsets for the buffers `order` lists, each placed in turn at the lowest page-aligned
    /// offset where it overlaps no placed buffer alive at the same time; and the bytes they span.
    private func place(_ order: [Int], around kept: [(start: Int, end: Int, offset: Int, bytes: Int)]) -> (offsets: [Int?], total: Int) {
        let alignment = PageMemory.pageBytes
        var placed = kept
        var offsets = [Int?](repeating: nil, count: records.count)
        var total = 0
        for i in order {
            let r = records[i]
            let rEnd = r.end ?? Int.max
            let conflicts = placed.filter { $0.start < rEnd && r.start < $0.end }.sorted { $0.offset < $1.offset }
            var offset = 0
            for c in conflicts {
                if offset + r.bytes <= c.offset { break }
                offset = max(offset, (c.offset + c.bytes + alignment - 1) / alignment * alignment)
            }
            placed.append((r.start, rEnd, offset, r.bytes))
            offsets[i] = offset
            total = max(total, offset + r.bytes)
        }
        return (offsets, total)
    }

    /// The most bytes of this pass's planned buffers alive at one time: no placement of them
    /// spans less.
    private func largestLiveSet() -> Int {
        var events: [(time: Int, bytes: Int)] = []
        for r in records {
            guard let end = r.end else { continue }
            events.append((r.start, r.bytes))
            events.append((end, -r.bytes))
        }
        var alive = 0, most = 0
        for e in events.sorted(by: { $0.time < $1.time }) {
            alive += e.bytes
            most = max(most, alive)
        }
        return most
    }

}
