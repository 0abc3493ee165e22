import Foundation
import ZooCPU

/// `--threads N` of run, bench and predict: more threads than the cores this process may use
/// (its affinity mask and cgroup CPU quota, `AvailableCores`) only make the spinning workers
/// (and OpenBLAS's, which reserve a buffer each) wait on one another, so N is capped there with
/// a one-line note; the options refuse more than 256 outright.
func applyThreadOption(_ requested: Int?) {
    guard let requested else { return }
    ZooCPUSettings.threadCount = cappedThreadCount(requested, cores: AvailableCores.count, note: printError)
}

/// `requested`, or `cores` with a note when it asks for more.
func cappedThreadCount(_ requested: Int, cores: Int, note: (String) -> Void) -> Int {
    guard requested > cores else { return requested }
    note("note: --threads \(requested) is more than the \(cores) cores available to this process; using \(cores)")
    return cores
}
