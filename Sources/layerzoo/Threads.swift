import Foundation
import ZooCPU

/// `--threads N` of run and bench: more threads than cores only make the workers (and
/// OpenBLAS's, which reserve a buffer each) wait on one another, so N is capped at the core
/// count with a note; the options refuse more than 256 outright.
func applyThreadOption(_ requested: Int?) {
    guard let requested else { return }
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    if requested > cores {
        printError("note: --threads \(requested) is more than the \(cores) cores of this machine; using \(cores)")
    }
    ZooCPUSettings.threadCount = min(requested, cores)
}
