import ArgumentParser
import Foundation
import LayerZoo
import LayerZooCheckpoint
import ZooCPU

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a PyTorch checkpoint (best.pt) to a safetensors weights file.",
        discussion: """
            Reads the checkpoint without Python or its classes (a community fork's checkpoint \
            too) and writes its state_dict under the same keys (model.0.conv.weight, ...): floats \
            in their own precision (F64 as F32), or all in F16 with --half; integer buffers as \
            I64/I32. The model's YAML, class names, nc, stride, task and imgsz go into the \
            file's metadata. An existing output is kept unless --force.
            """)

    @Argument(help: "The checkpoint (.pt, .pth).")
    var checkpoint: String

    @Argument(help: "The safetensors file to write.")
    var output: String

    @Flag(help: "Store every floating-point tensor as F16.")
    var half = false

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    func validate() throws {
        guard output.hasSuffix(".safetensors") else {
            throw ValidationError("the output must end in .safetensors, got '\(output)'")
        }
        let a = URL(fileURLWithPath: checkpoint).resolvingSymlinksInPath().standardizedFileURL.path
        let b = URL(fileURLWithPath: output).resolvingSymlinksInPath().standardizedFileURL.path
        guard a != b else { throw ValidationError("the output would overwrite the checkpoint '\(checkpoint)'") }
    }

    func run() throws {
        let found: PyTorchCheckpoint?
        do throws(CheckpointError) {
            // Not recognisably a checkpoint: open it anyway, for the error that says what it is.
            if let known = try ModelInput.checkpoint(checkpoint) { found = known } else { found = try PyTorchCheckpoint(path: checkpoint) }
        } catch {
            printError(error.diagnostic.description)
            throw ExitCode(1)
        }
        guard let ckpt = found else { throw ExitCode(1) }
        do throws(BackendError) {
            let tensors = try ckpt.tensors.exportTensors(half: half)
            try writeSafeTensorsFile(tensors, metadata: ckpt.metadata, to: output, replace: force)
            let floats = tensors.filter { $0.dtype.isFloatingPoint }
            let types = Set(floats.map(\.dtype.rawValue)).sorted().joined(separator: "/")
            let parameters = floats.reduce(0) { $0 + $1.shape.reduce(1, *) }
            print("wrote \(output): \(tensors.count) tensors (\(types.isEmpty ? "no floats" : types)), "
                  + "\(formatCount(parameters)) values" + (ckpt.modelKey.map { " from '\($0)'" } ?? ""))
            if let names = ckpt.names { print("classes (\(names.count)): " + names.joined(separator: ", ")) }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
