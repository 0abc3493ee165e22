import ArgumentParser
import Foundation

/// `layerzoo serve ...` runs `layerzoo-serve ...` from the same folder, so that `layerzoo`
/// itself builds without the server's SwiftNIO stack.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve models over HTTP (Open Inference Protocol v2): runs layerzoo-serve.",
        discussion: """
            Everything after 'serve' goes to layerzoo-serve, the server built as its own product \
            (swift build --product layerzoo-serve); 'layerzoo serve --help' prints its options and routes.
            """)

    @Argument(parsing: .captureForPassthrough, help: "Arguments for layerzoo-serve.")
    var arguments: [String] = []

    func run() throws {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let server = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("layerzoo-serve").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            printError("error: \(server) is not there; build it with 'swift build --toolset toolset.json --product layerzoo-serve'")
            throw ExitCode(1)
        }
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        printError("error: cannot run \(server): \(String(cString: strerror(errno)))")
        throw ExitCode(1)
    }
}
