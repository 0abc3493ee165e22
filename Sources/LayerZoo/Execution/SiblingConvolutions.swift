import ZooCPU

/// Convolutions of a model that read one tensor with one geometry and activation (C3's `cv1`
/// and `cv2`, both 1×1 on `x`; CSP and ELAN variants), found by tracing the pass when the
/// model is prepared (`SiblingFinder`). The CPU backend runs them as one GEMM
/// (`SiblingConvWeights`) when the first of them runs, and hands each other member its output
/// when it runs (`ZooCPUSettings.mergesSiblingConvolutions`); the results are those of the
/// separate convolutions, bit for bit.
final class SiblingConvolutions {
    struct Member {
        weak var conv: Conv2d?
        /// The batch norm the trace folded into it (nil: none).
        weak var batchNorm: BatchNorm2d?
        let hasBatchNorm: Bool
    }

    let members: [Member]
    let activation: Activation
    /// The stacked form, remade when a member's prepared form changes; nil when it cannot be made.
    private var stacked: SiblingConvWeights?
    private var unstackable: [PackedConvWeight] = []

    init(_ members: [Member], activation: Activation) {
        self.members = members
        self.activation = activation
    }

    /// True when `conv` runs with `bn` as it did in the trace.
    func hasMember(_ conv: Conv2d, _ bn: BatchNorm2d?) -> Bool {
        members.contains { $0.conv === conv && $0.batchNorm === bn && $0.hasBatchNorm == (bn != nil) }
    }

    /// Every member's output on `x` from one GEMM, in member order; nil when the stacked GEMM
    /// does not apply (see `SiblingConvWeights.conv2d`).
    func run(_ x: Tensor, on backend: CPUBackend, label: @autoclosure () -> String) throws(LayerError) -> [Tensor]? {
        var forms: [PreparedConvolution] = []
        for member in members {
            guard let conv = member.conv, member.hasBatchNorm == (member.batchNorm != nil) else { return nil }
            forms.append(try conv.prepared(foldingIn: member.batchNorm))
        }
        let weights = forms.map(\.weight)
        if stacked?.stacks(weights) != true {
            guard unstackable.count != weights.count || !zip(unstackable, weights).allSatisfy({ $0 === $1 }) else { return nil }
            stacked = try? SiblingConvWeights(forms.map { ($0.weight, $0.bias) })
            unstackable = stacked == nil ? weights : []
        }
        guard let stacked, let first = members.first?.conv else { return nil }
        let options = CPUBackend.options(first), act = activation, workspace = backend.workspace
        return try backend.run(label()) { () throws(BackendError) in
            try stacked.conv2d(x, options: options, activation: act, workspace: workspace)
        }
    }
}

/// Groups the convolutions a traced pass runs by the tensor they read (`ShapeBackend`'s
/// value origins) and links each group of two or more that can share a GEMM — ungrouped, one
/// kernel, stride, padding and dilation, one activation, each run once per pass — to its
/// convolutions (`Conv2d.siblings`).
struct SiblingFinder {
    private struct Call {
        let conv: Conv2d
        let bn: BatchNorm2d?
        let activation: Activation
        let origin: Int
    }

    private struct Key: Hashable {
        let origin: Int
        let kernel, stride, padding, dilation: IntOrPair
        let activation: Activation
    }

    private var calls: [Call] = []

    /// Notes that the traced pass runs `conv` (with `bn` folded in, when not nil) and `activation` on `x`.
    mutating func record(_ conv: Conv2d, _ bn: BatchNorm2d?, _ activation: Activation, _ x: ShapeValue) {
        calls.append(Call(conv: conv, bn: bn, activation: activation, origin: x.origin))
    }

    /// Links the groups found, after unlinking every convolution of `convs`.
    func link(_ convs: [Conv2d]) {
        for conv in convs { conv.siblings = nil }
        var runs: [ObjectIdentifier: Int] = [:]
        for call in calls { runs[ObjectIdentifier(call.conv), default: 0] += 1 }
        var groups: [Key: [Call]] = [:], order: [Key] = []
        for call in calls where call.origin != 0 && runs[ObjectIdentifier(call.conv)] == 1 && call.conv.groups == 1 {
            let c = call.conv
            let key = Key(origin: call.origin, kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation,
                          activation: call.activation)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(call)
        }
        for key in order {
            guard let members = groups[key], members.count >= 2 else { continue }
            let group = SiblingConvolutions(members.map { .init(conv: $0.conv, batchNorm: $0.bn, hasBatchNorm: $0.bn != nil) },
                                            activation: key.activation)
            for call in members { call.conv.siblings = group }
        }
    }
}

/// Outputs the stacked GEMM made for convolutions that have not run yet, each with the input
/// it was made from (held weakly: an output is handed out only for that very tensor).
struct SiblingOutputs {
    private struct Entry {
        weak var input: Tensor?
        let output: Tensor
    }

    private var entries: [ObjectIdentifier: Entry] = [:]
    /// Outputs handed out so far.
    private(set) var handedOut = 0

    mutating func put(_ conv: Conv2d, input: Tensor, output: Tensor) {
        entries[ObjectIdentifier(conv)] = Entry(input: input, output: output)
    }

    /// The output waiting for `conv` on `input`, removed; nil when there is none for that input.
    mutating func take(_ conv: Conv2d, input: Tensor) -> Tensor? {
        guard let entry = entries.removeValue(forKey: ObjectIdentifier(conv)), entry.input === input else { return nil }
        handedOut += 1
        return entry.output
    }
}

extension CPUBackend {
    /// `conv`'s output on `x` from its siblings' stacked GEMM: the one waiting for it, or, when
    /// it is the first of them to run, made now with the others' (kept for them). Nil when it
    /// has no siblings or the stacked GEMM does not apply; the caller then runs it alone.
    func siblingOutput(_ conv: Conv2d, _ bn: BatchNorm2d?, _ act: Activation, _ x: Tensor,
                       label: @autoclosure () -> String) throws(LayerError) -> Tensor? {
        guard ZooCPUSettings.mergesSiblingConvolutions, let group = conv.siblings, group.activation == act,
              group.hasMember(conv, bn) else { return nil }
        if let y = siblingOutputs.take(conv, input: x) { return y }
        guard let outputs = try group.run(x, on: self, label: label()), outputs.count == group.members.count else { return nil }
        var own: Tensor?
        for (member, y) in zip(group.members, outputs) {
            guard let c = member.conv else { continue }
            if c === conv { own = y } else { siblingOutputs.put(c, input: x, output: y) }
        }
        return own
    }
}
