import ArgumentParser
import LayerZoo
import ZooCPU

/// `--allow-nonfinite`: NaN and infinities in the input or the prepared weights are refused
/// unless asked for; then they propagate as in PyTorch.
struct NonFiniteOptions: ParsableArguments {
    @Flag(name: .customLong("allow-nonfinite"),
          help: "Run even when the input or the weights hold NaN or infinities (they propagate as in PyTorch).")
    var allowed = false

    /// Refuses weights that give non-finite outputs (exit 1) unless allowed.
    func checkWeights(of model: Model, source: String?) throws {
        guard !allowed, let problem = model.nonFiniteWeightProblem() else { return }
        printError("\(source.map { FilePaths.display($0) + ": " } ?? "")error: the weights are not finite: \(problem)")
        printError("note: pass --allow-nonfinite to run anyway (NaN propagates as in PyTorch)")
        throw ExitCode(1)
    }

    /// Refuses an input holding NaN or infinities (exit 1) unless allowed; when allowed, the
    /// convolutions must run without Winograd, whose tile transforms would spread a NaN to
    /// outputs that PyTorch's direct convolution keeps finite: true then (decide it before the
    /// model is prepared, see `Model.prepareToRun(imageSize:directConvolutions:)`).
    func checkInput(_ x: Tensor, path: String?) throws -> Bool {
        guard let (i, v) = NonFinite.first(in: x) else { return false }
        if allowed { return true }
        printError("\(FilePaths.display(path ?? "input")): error: the input holds \(v) at \(Shape.text(NonFinite.coordinates(i, in: x.shape)))")
        printError("note: pass --allow-nonfinite to run anyway (NaN propagates as in PyTorch)")
        throw ExitCode(1)
    }
}
