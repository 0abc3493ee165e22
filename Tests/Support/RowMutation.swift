/// The argument mutation of the model-file fuzzers: replaces one argument of the YAML row
/// `lines[row]` (`- [from, n, Module, [args]]`) by one of `values`, or appends one, and now
/// and then drops the last. A row without an argument list is left alone.
public func mutateArguments(_ lines: inout [String], row: Int, values: [String], rng: inout FuzzRandom) {
    guard lines.indices.contains(row), !values.isEmpty, let open = lines[row].range(of: ", ["),
          let close = lines[row].range(of: "]]", range: open.upperBound..<lines[row].endIndex) else { return }
    var args = lines[row][open.upperBound..<close.lowerBound].components(separatedBy: ", ")
    let k = rng.below(args.count + 1)
    let value = values[rng.below(values.count)]
    if k == args.count { args.append(value) } else { args[k] = value }
    if rng.below(4) == 0, !args.isEmpty { args.removeLast() }
    lines[row] = String(lines[row][..<open.upperBound]) + args.joined(separator: ", ") + "]]"
}
