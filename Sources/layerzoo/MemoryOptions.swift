import ArgumentParser
import LayerZoo

/// A byte count as `--max-memory` takes it: `4G`, `512M`, `1.5G`, `800K` or plain bytes
/// (powers of 1024; a trailing `B` or `iB` is allowed).
struct ByteCount: ExpressibleByArgument, Sendable {
    var bytes: Int

    init?(argument: String) {
        var text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where text.hasSuffix(suffix) && text.count > suffix.count {
            text.removeLast(suffix.count)
            break
        }
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            scale = unit
            text.removeLast()
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(text), value.isFinite, value > 0 else { return nil }
        let total = (value * scale).rounded(.down)
        guard total >= 1, total <= Double(1 << 60) else { return nil }
        bytes = Int(total)
    }

    init(bytes: Int) { self.bytes = bytes }
}

/// `--max-memory` of run and bench: the forward pass is planned before it runs and refused
/// when it needs more.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: ArgumentHelp("Most memory a forward pass may plan to use, e.g. 4G or 512M. Default: half the physical memory.",
                               valueName: "bytes"))
    var maxMemory: ByteCount?

    var budget: Int { maxMemory?.bytes ?? MemoryPlan.defaultBudget }

    /// Refuses (exit 1) a pass whose plan exceeds the budget, saying by how much.
    func check(_ model: Model, trace: ShapeTrace, config: String) throws {
        let plan = model.memoryPlan(trace)
        guard plan.totalBytes > budget else { return }
        let layer = plan.peakLayer.map { ", peaking at layer \($0)" } ?? ""
        printError("\(config): error: a forward pass at \(Shape.text(trace.input)) needs about \(MemoryPlan.megabytes(plan.totalBytes)) "
                   + "(weights \(MemoryPlan.megabytes(plan.weightBytes)), activations \(MemoryPlan.megabytes(plan.activationBytes))\(layer)), "
                   + "over the budget of \(MemoryPlan.megabytes(budget))")
        printError("note: use a smaller --imgsz or --batch, or raise the budget with --max-memory")
        throw ExitCode(1)
    }
}

/// The line validate and info print: "memory: ~X MB for a forward pass at [N, C, H, W]".
func memoryLine(_ model: Model, trace: ShapeTrace) -> String {
    let plan = model.memoryPlan(trace)
    return "memory: ~\(MemoryPlan.megabytes(plan.totalBytes)) for a forward pass at \(Shape.text(trace.input)) "
        + "(weights \(MemoryPlan.megabytes(plan.weightBytes)), activations \(MemoryPlan.megabytes(plan.activationBytes)))"
}
