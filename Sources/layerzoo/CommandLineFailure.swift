import ArgumentParser
import Foundation
import LayerZoo

extension LayerZooCommand {
    /// ArgumentParser's `main`, except that a bad command line under `--format json`, `sarif`
    /// or `github` also leaves a document on standard output saying so (the exit status is
    /// still 64 and the usage message still goes to standard error): a CI job that parses
    /// stdout always gets something it can parse.
    static func main() {
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let arguments = Array(CommandLine.arguments.dropFirst())
                let problem = RunProblem(severity: .error, message: "bad command line: " + message(for: error), path: nil)
                switch requestedFormat(arguments) {
                case "json" where arguments.first == "validate":
                    print(jsonString(ValidationJSON(failure: problem)))
                case "json":
                    print(jsonString(CommandFailureJSON(diagnostics: [DiagnosticJSON(problem)])))
                case "sarif":
                    print(jsonString(SARIFLog(ValidationRun(files: [], problems: [problem]))))
                case "github":
                    for line in GitHubAnnotations.lines(ValidationRun(files: [], problems: [problem])) { print(line) }
                default:
                    break
                }
            }
            exit(withError: error)
        }
    }

    /// The value of `--format` (`--format json` or `--format=json`), if given.
    static func requestedFormat(_ arguments: [String]) -> String? {
        var format: String?
        for (i, argument) in arguments.enumerated() {
            if argument == "--format", i + 1 < arguments.count { format = arguments[i + 1] }
            if argument.hasPrefix("--format=") { format = String(argument.dropFirst("--format=".count)) }
        }
        return format
    }
}

/// A plugin library (or the built-in set) that could not be registered.
struct PluginFailure: Error, CustomStringConvertible {
    var path: String?
    var message: String
    var description: String { (path.map { "\($0): " } ?? "") + "error: " + message }
}

/// A command other than `validate` that could not run, under `--format json`.
struct CommandFailureJSON: Encodable {
    var valid = false
    var diagnostics: [DiagnosticJSON]
}

/// The registry for `info` and `bench`: a plugin that does not load is reported on standard
/// error and, under `--format json`, as `{"file", "valid": false, "diagnostics"}` on standard
/// output; then the command ends with status 1.
func loadRegistry(_ options: PluginOptions, json: Bool, file: String) throws -> LayerRegistry {
    do throws(PluginFailure) {
        return try BuiltInLayers.load(options)
    } catch {
        if json {
            let problem = RunProblem(severity: .error, message: error.message, path: error.path)
            print(jsonString(InfoFailureJSON(file: file, diagnostics: [DiagnosticJSON(problem)])))
        }
        printError(error.description)
        throw ExitCode(1)
    }
}
