/// `torch.topk(x, k, largest=True, sorted=True)` on the CPU, indices included: the same order
/// for equal values, which matters for RT-DETR, whose invalid anchors (and the queries made
/// from them) share one score. PyTorch's CPU kernel (ATen's `topk_impl_loop`) fills a queue of
/// (value, index) pairs and runs the C++ library's `std::partial_sort` when `64·k ≤ n`, else
/// `std::nth_element` at k − 1 and `std::sort` of the first k − 1, with "NaN first, then
/// larger" as the order; ties therefore come out in the order those algorithms (GNU libstdc++,
/// whose steps this follows) leave them.
enum TorchTopK {
    typealias Element = (value: Float, index: Int)

    /// The indices of the `k` largest of `values`, in torch.topk's order.
    static func indices(_ values: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
        let n = values.count, k = min(max(k, 0), n)
        guard k > 0 else { return [] }
        var queue = [Element](repeating: (0, 0), count: n)
        for j in 0..<n { queue[j] = (values[j], j) }
        queue.withUnsafeMutableBufferPointer { q in
            if k * 64 <= n {
                partialSort(q, 0, k, n)
            } else {
                nthElement(q, 0, k - 1, n)
                sort(q, 0, k - 1)
            }
        }
        return queue.prefix(k).map(\.index)
    }

    @inline(__always)
    static func before(_ x: Element, _ y: Element) -> Bool {
        (x.value.isNaN && !y.value.isNaN) || x.value > y.value
    }

    // MARK: libstdc++'s heap, selection and sorting steps on q[first..<last]. Its unguarded
    // loops rely on the order being strict and weak; the bounds added here never change a
    // result under such an order, they only keep a broken one inside the buffer.

    static func partialSort(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ middle: Int, _ last: Int) {
        heapSelect(q, first, middle, last)
        var end = middle
        while end - first > 1 {
            end -= 1
            popHeap(q, first, end, end)
        }
    }

    static func heapSelect(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ middle: Int, _ last: Int) {
        makeHeap(q, first, middle)
        var i = middle
        while i < last {
            if before(q[i], q[first]) { popHeap(q, first, middle, i) }
            i += 1
        }
    }

    static func makeHeap(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ last: Int) {
        let len = last - first
        guard len >= 2 else { return }
        var parent = (len - 2) / 2
        while true {
            adjustHeap(q, first, parent, len, q[first + parent])
            if parent == 0 { return }
            parent -= 1
        }
    }

    static func popHeap(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ last: Int, _ result: Int) {
        let value = q[result]
        q[result] = q[first]
        adjustHeap(q, first, 0, last - first, value)
    }

    static func adjustHeap(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ hole: Int, _ len: Int, _ value: Element) {
        let top = hole
        var hole = hole, child = hole
        while child < (len - 1) / 2 {
            child = 2 * (child + 1)
            if before(q[first + child], q[first + child - 1]) { child -= 1 }
            q[first + hole] = q[first + child]
            hole = child
        }
        if len & 1 == 0 && child == (len - 2) / 2 {
            child = 2 * (child + 1)
            q[first + hole] = q[first + child - 1]
            hole = child - 1
        }
        var parent = (hole - 1) / 2
        while hole > top && before(q[first + parent], value) {
            q[first + hole] = q[first + parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        q[first + hole] = value
    }

    static func floorLog2(_ n: Int) -> Int { n > 0 ? Int.bitWidth - 1 - n.leadingZeroBitCount : 0 }

    static func nthElement(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ nth: Int, _ last: Int) {
        guard first != last, nth != last else { return }
        var (first, last, depth) = (first, last, floorLog2(last - first) * 2)
        while last - first > 3 {
            if depth == 0 {
                heapSelect(q, first, nth + 1, last)
                q.swapAt(first, nth)
                return
            }
            depth -= 1
            let cut = partitionPivot(q, first, last)
            if cut <= nth { first = cut } else { last = cut }
        }
        insertionSort(q, first, last)
    }

    static func sort(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ last: Int) {
        guard first != last else { return }
        introsortLoop(q, first, last, floorLog2(last - first) * 2)
        if last - first > 16 {
            insertionSort(q, first, first + 16)
            for i in (first + 16)..<last { unguardedLinearInsert(q, i) }
        } else {
            insertionSort(q, first, last)
        }
    }

    static func introsortLoop(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ last: Int, _ depth: Int) {
        var (last, depth) = (last, depth)
        while last - first > 16 {
            if depth == 0 {
                partialSort(q, first, last, last)
                return
            }
            depth -= 1
            let cut = partitionPivot(q, first, last)
            introsortLoop(q, cut, last, depth)
            last = cut
        }
    }

    static func partitionPivot(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ last: Int) -> Int {
        let mid = first + (last - first) / 2
        moveMedianToFirst(q, first, first + 1, mid, last - 1)
        var (lo, hi) = (first + 1, last)
        while true {
            while lo < last - 1 && before(q[lo], q[first]) { lo += 1 }
            hi -= 1
            while hi > first && before(q[first], q[hi]) { hi -= 1 }
            if !(lo < hi) { return lo }
            q.swapAt(lo, hi)
            lo += 1
        }
    }

    static func moveMedianToFirst(_ q: UnsafeMutableBufferPointer<Element>, _ result: Int, _ a: Int, _ b: Int, _ c: Int) {
        if before(q[a], q[b]) {
            if before(q[b], q[c]) { q.swapAt(result, b) } else if before(q[a], q[c]) { q.swapAt(result, c) } else { q.swapAt(result, a) }
        } else if before(q[a], q[c]) {
            q.swapAt(result, a)
        } else if before(q[b], q[c]) {
            q.swapAt(result, c)
        } else {
            q.swapAt(result, b)
        }
    }

    static func insertionSort(_ q: UnsafeMutableBufferPointer<Element>, _ first: Int, _ last: Int) {
        guard first != last else { return }
        var i = first + 1
        while i < last {
            if before(q[i], q[first]) {
                let value = q[i]
                var j = i
                while j > first {
                    q[j] = q[j - 1]
                    j -= 1
                }
                q[first] = value
            } else {
                unguardedLinearInsert(q, i)
            }
            i += 1
        }
    }

    static func unguardedLinearInsert(_ q: UnsafeMutableBufferPointer<Element>, _ last: Int) {
        let value = q[last]
        var last = last, next = last - 1
        while next >= 0 && before(value, q[next]) {
            q[last] = q[next]
            last = next
            next -= 1
        }
        q[last] = value
    }
}
