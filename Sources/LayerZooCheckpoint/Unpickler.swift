/// A restricted unpickler for the pickles `torch.save` writes (protocols 0–5).
///
/// It interprets the opcodes into plain values and never imports or calls anything: a GLOBAL
/// is only a name, and a REDUCE / NEWOBJ / INST / OBJ of it makes an inert `PickleObject`
/// holding that name and the arguments. The only calls it honours are the ones whose meaning
/// it implements itself: torch's tensor and parameter rebuilders, `collections.OrderedDict`,
/// `set`/`frozenset`, `torch.Size` and `_codecs.encode` (protocol 2's bytes). Storages come
/// from persistent ids `('storage', torch.<T>Storage, key, location, numel)` and are checked
/// against the archive entry that holds them before any tensor refers to them.
public struct Unpickler {
    public var limits: CheckpointLimits
    /// The checkpoint file and the entry being read, for messages.
    public var file: String
    public var entry: String
    /// Byte size of the archive entry holding storage `key`, or nil when there is none.
    public var storageBytes: (String) -> Int?

    public init(file: String, entry: String, limits: CheckpointLimits = CheckpointLimits(),
                storageBytes: @escaping (String) -> Int?) {
        self.file = file
        self.entry = entry
        self.limits = limits
        self.storageBytes = storageBytes
    }

    /// Unpickles `bytes` (one pickle, up to its STOP).
    public func unpickle(_ bytes: UnsafeRawBufferPointer) throws(CheckpointError) -> PickleGraph {
        var machine = Machine(bytes: bytes, unpickler: self)
        return try machine.run()
    }

    /// Unpickles `bytes` (one pickle, up to its STOP).
    public func unpickle(_ bytes: [UInt8]) throws(CheckpointError) -> PickleGraph {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(CheckpointError) -> PickleGraph in try unpickle(raw) }
        }
        return try result.get()
    }
}

private struct Machine {
    let bytes: UnsafeRawBufferPointer
    let unpickler: Unpickler
    var limits: CheckpointLimits { unpickler.limits }
    var position = 0
    var opStart = 0
    var graph = PickleGraph()
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    var created = 0
    var storageByKey: [String: Int] = [:]
    // Nesting depth of each container, kept up to date as items are added.
    var tupleDepth: [Int] = [], listDepth: [Int] = [], dictDepth: [Int] = [], setDepth: [Int] = [], objectDepth: [Int] = []

    init(bytes: UnsafeRawBufferPointer, unpickler: Unpickler) {
        self.bytes = bytes
        self.unpickler = unpickler
    }

    func fail(_ message: String) -> CheckpointError {
        CheckpointError(file: unpickler.file, entry: unpickler.entry, offset: opStart, message: message)
    }

    // MARK: reading

    mutating func byte() throws(CheckpointError) -> UInt8 {
        guard position < bytes.count else { throw fail("the pickle ends in the middle of an opcode (truncated?)") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func take(_ n: Int) throws(CheckpointError) -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - position else {
            throw fail("an opcode wants \(n) bytes but only \(bytes.count - position) remain (truncated or lying length)")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    mutating func unsigned(_ n: Int) throws(CheckpointError) -> UInt64 {
        let raw = try take(n)
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(raw[i]) }
        return v
    }

    mutating func length(_ n: Int) throws(CheckpointError) -> Int {
        let v = try unsigned(n)
        guard v <= UInt64(bytes.count - position) else {
            throw fail("a length field says \(v) bytes but only \(bytes.count - position) remain (truncated or lying length)")
        }
        return Int(v)
    }

    mutating func line() throws(CheckpointError) -> String {
        let start = position
        let maxLine = 1 << 16
        while position < bytes.count, bytes[position] != 0x0A {
            position += 1
            if position - start > maxLine { throw fail("a text line longer than \(maxLine) bytes") }
        }
        guard position < bytes.count else { throw fail("the pickle ends inside a text line (truncated?)") }
        defer { position += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    func utf8(_ raw: UnsafeRawBufferPointer) throws(CheckpointError) -> String {
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
        return s
    }

    // MARK: stack

    mutating func push(_ v: PickleValue) throws(CheckpointError) {
        try count(1)
        stack.append(v)
    }

    mutating func count(_ n: Int) throws(CheckpointError) {
        created += n
        if created > limits.maxValues {
            throw fail("more than \(limits.maxValues) values; refusing a pickle this large")
        }
    }

    mutating func pop() throws(CheckpointError) -> PickleValue {
        guard let v = stack.popLast(), stack.count >= (marks.last ?? 0) else {
            throw fail("an opcode pops from an empty stack (malformed pickle)")
        }
        return v
    }

    func top() throws(CheckpointError) -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else {
            throw fail("an opcode needs a value on the stack, found none (malformed pickle)")
        }
        return v
    }

    mutating func popMark() throws(CheckpointError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("an opcode needs a MARK, found none (malformed pickle)") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    // MARK: containers

    func depth(_ v: PickleValue) -> Int {
        switch v {
        case .tuple(let i): return tupleDepth[i]
        case .list(let i): return listDepth[i]
        case .dict(let i): return dictDepth[i]
        case .set(let i): return setDepth[i]
        case .object(let i): return objectDepth[i]
        default: return 0
        }
    }

    func checked(_ d: Int) throws(CheckpointError) -> Int {
        guard d <= limits.maxDepth else { throw fail("containers nested deeper than \(limits.maxDepth) levels") }
        return d
    }

    func nested(_ items: [PickleValue]) throws(CheckpointError) -> Int {
        try checked(1 + items.reduce(0) { max($0, depth($1)) })
    }

    mutating func tuple(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
        try count(items.count)
        let d = try nested(items)
        graph.tuples.append(items)
        tupleDepth.append(d)
        return .tuple(graph.tuples.count - 1)
    }

    mutating func list(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
        try count(items.count)
        let d = try nested(items)
        graph.lists.append(items)
        listDepth.append(d)
        return .list(graph.lists.count - 1)
    }

    mutating func set(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
        try count(items.count)
        let d = try nested(items)
        graph.sets.append(items)
        setDepth.append(d)
        return .set(graph.sets.count - 1)
    }

    mutating func dict(_ pairs: [PickleValue]) throws(CheckpointError) -> PickleValue {
        graph.dicts.append(PickleDict())
        dictDepth.append(1)
        let v = PickleValue.dict(graph.dicts.count - 1)
        try setItems(pairs, into: v)
        return v
    }

    mutating func object(_ className: String, _ arguments: [PickleValue]) throws(CheckpointError) -> PickleValue {
        try count(arguments.count)
        let d = try nested(arguments)
        graph.objects.append(PickleObject(className: className, arguments: arguments))
        objectDepth.append(d)
        return .object(graph.objects.count - 1)
    }

    mutating func append(_ items: [PickleValue], to target: PickleValue) throws(CheckpointError) {
        try count(items.count)
        let d = try nested(items)
        switch target {
        case .list(let i):
            graph.lists[i].append(contentsOf: items)
            listDepth[i] = max(listDepth[i], d)
        case .set(let i):
            graph.sets[i].append(contentsOf: items)
            setDepth[i] = max(setDepth[i], d)
        case .object(let i):
            graph.objects[i].listItems.append(contentsOf: items)
            objectDepth[i] = max(objectDepth[i], d)
        default:
            throw fail("APPEND to \(target.kindName), expected a list")
        }
    }

    mutating func setItems(_ pairs: [PickleValue], into target: PickleValue) throws(CheckpointError) {
        guard pairs.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values (a key without a value)") }
        // Hashing a key costs its length: charged, so that a large key set again and again stays bounded.
        var cost = pairs.count
        for k in stride(from: 0, to: pairs.count, by: 2) {
            switch pairs[k] {
            case .string(let s): cost += s.utf8.count / 64
            case .bytes(let b): cost += b.count / 64
            default: break
            }
        }
        try count(cost)
        let d = try nested(pairs)
        switch target {
        case .dict(let i):
            for k in stride(from: 0, to: pairs.count, by: 2) { graph.dicts[i].set(pairs[k], pairs[k + 1]) }
            dictDepth[i] = max(dictDepth[i], d)
        case .object(let i):
            for k in stride(from: 0, to: pairs.count, by: 2) { graph.objects[i].dictItems.append((pairs[k], pairs[k + 1])) }
            objectDepth[i] = max(objectDepth[i], d)
        default:
            throw fail("SETITEM on \(target.kindName), expected a dict")
        }
    }

    // MARK: memo

    mutating func put(_ index: Int) throws(CheckpointError) {
        guard index >= 0, index < limits.maxMemo else {
            throw fail("memo index \(index) is over the limit of \(limits.maxMemo)")
        }
        guard memo.count < limits.maxMemo || memo[index] != nil else {
            throw fail("more than \(limits.maxMemo) memo entries")
        }
        memo[index] = try top()
    }

    mutating func get(_ index: Int) throws(CheckpointError) {
        guard let v = memo[index] else { throw fail("memo index \(index) was never set (malformed pickle)") }
        try push(v)
    }

    // MARK: the loop

    mutating func run() throws(CheckpointError) -> PickleGraph {
        while true {
            opStart = position
            let op = try byte()
            switch op {
            case 0x80: // PROTO
                let version = try byte()
                guard version <= 5 else { throw fail("pickle protocol \(version); protocols 0 to 5 are supported") }
            case 0x95: _ = try take(8) // FRAME: a size hint only
            case 0x2E: // STOP
                graph.root = try pop()
                return graph
            case 0x28: marks.append(stack.count); try count(1) // MARK
            case 0x29: try push(try tuple([])) // EMPTY_TUPLE
            case 0x5D: try push(try list([])) // EMPTY_LIST
            case 0x7D: try push(try dict([])) // EMPTY_DICT
            case 0x8F: try push(try set([])) // EMPTY_SET
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try unsigned(4))))) // BININT
            case 0x4B: try push(.int(Int(try byte()))) // BININT1
            case 0x4D: try push(.int(Int(try unsigned(2)))) // BININT2
            case 0x8A: try push(try long(try length(1))) // LONG1
            case 0x8B: try push(try long(try length(4))) // LONG4
            case 0x49: try push(try textInt(try line())) // INT
            case 0x4C: try push(try textInt(try line(), long: true)) // LONG
            case 0x46: // FLOAT
                let text = try line()
                guard let v = Double(text) else { throw fail("FLOAT '\(text.prefix(40))' is not a number") }
                try push(.float(v))
            case 0x47: try push(.float(Double(bitPattern: try bigEndian8()))) // BINFLOAT
            case 0x58: try push(.string(try utf8(try take(try length(4))))) // BINUNICODE
            case 0x8C: try push(.string(try utf8(try take(try length(1))))) // SHORT_BINUNICODE
            case 0x8D: try push(.string(try utf8(try take(try length(8))))) // BINUNICODE8
            case 0x54: try push(.string(latin1(try take(try length(4))))) // BINSTRING
            case 0x55: try push(.string(latin1(try take(try length(1))))) // SHORT_BINSTRING
            case 0x53: try push(.string(try quoted(try line()))) // STRING
            case 0x56: try push(.string(rawUnicodeEscape(try line()))) // UNICODE
            case 0x42: try push(.bytes(Array(try take(try length(4))))) // BINBYTES
            case 0x43: try push(.bytes(Array(try take(try length(1))))) // SHORT_BINBYTES
            case 0x8E, 0x96: try push(.bytes(Array(try take(try length(8))))) // BINBYTES8, BYTEARRAY8
            case 0x74: try push(try tuple(try popMark())) // TUPLE
            case 0x85: try push(try tuple([try pop()])) // TUPLE1
            case 0x86: // TUPLE2
                let b = try pop(), a = try pop()
                try push(try tuple([a, b]))
            case 0x87: // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                try push(try tuple([a, b, c]))
            case 0x6C: try push(try list(try popMark())) // LIST
            case 0x61: // APPEND
                let v = try pop()
                try append([v], to: try top())
            case 0x65: // APPENDS
                let items = try popMark()
                try append(items, to: try top())
            case 0x64: try push(try dict(try popMark())) // DICT
            case 0x73: // SETITEM
                let v = try pop(), k = try pop()
                try setItems([k, v], into: try top())
            case 0x75: // SETITEMS
                let items = try popMark()
                try setItems(items, into: try top())
            case 0x90: // ADDITEMS
                let items = try popMark()
                try append(items, to: try top())
            case 0x91: try push(try set(try popMark())) // FROZENSET
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popMark() // POP_MARK
            case 0x32: try push(try top()) // DUP
            case 0x70: try put(try textIndex(try line())) // PUT
            case 0x71: try put(Int(try byte())) // BINPUT
            case 0x72: try put(Int(try unsigned(4))) // LONG_BINPUT
            case 0x94: try put(memo.count) // MEMOIZE
            case 0x67: try get(try textIndex(try line())) // GET
            case 0x68: try get(Int(try byte())) // BINGET
            case 0x6A: try get(Int(try unsigned(4))) // LONG_BINGET
            case 0x63: // GLOBAL
                let module = try line(), name = try line()
                try push(try global(module, name))
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let m = module.string, let n = name.string else {
                    throw fail("STACK_GLOBAL needs two strings, found \(module.kindName) and \(name.kindName)")
                }
                try push(try global(m, n))
            case 0x52: // REDUCE
                let args = try pop(), callable = try pop()
                try push(try reduce(callable, args))
            case 0x81: // NEWOBJ
                let args = try pop(), cls = try pop()
                try push(try newObject(cls, args))
            case 0x92: // NEWOBJ_EX
                _ = try pop()
                let args = try pop(), cls = try pop()
                try push(try newObject(cls, args))
            case 0x62: // BUILD
                let state = try pop()
                try build(try top(), state)
            case 0x69: // INST
                let module = try line(), name = try line()
                let args = try popMark()
                _ = try global(module, name)
                try push(try object(module + "." + name, args))
            case 0x6F: // OBJ
                var items = try popMark()
                guard !items.isEmpty else { throw fail("OBJ without a class (malformed pickle)") }
                let cls = items.removeFirst()
                try push(try newObject(cls, try tuple(items)))
            case 0x51: try push(try persistentLoad(try pop())) // BINPERSID
            case 0x50: // PERSID
                let id = try line()
                throw fail("text persistent id '\(id.prefix(40))'; torch.save writes binary ones (not a torch checkpoint?)")
            case 0x82, 0x83, 0x84:
                throw fail("EXT opcodes (copyreg extension registry) are not supported")
            case 0x97, 0x98:
                throw fail("out-of-band buffers (pickle protocol 5 NEXT_BUFFER) are not supported")
            default:
                throw fail("unknown pickle opcode 0x\(String(op, radix: 16)) (corrupt data.pkl?)")
            }
        }
    }

    // MARK: scalars

    mutating func bigEndian8() throws(CheckpointError) -> UInt64 {
        let raw = try take(8)
        return raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func long(_ n: Int) throws(CheckpointError) -> PickleValue {
        let raw = try take(n)
        guard n <= 8 else { return .bigInt(bytes: n) }
        guard n > 0 else { return .int(0) }
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(raw[i]) }
        if n < 8, raw[n - 1] & 0x80 != 0 { v |= ~UInt64(0) << UInt64(8 * n) }
        return .int(Int(Int64(bitPattern: v)))
    }

    func textInt(_ text: String, long: Bool = false) throws(CheckpointError) -> PickleValue {
        if !long, text == "00" { return .bool(false) }
        if !long, text == "01" { return .bool(true) }
        let digits = text.hasSuffix("L") ? String(text.dropLast()) : text
        if let v = Int(digits) { return .int(v) }
        guard !digits.isEmpty, digits.drop(while: { $0 == "-" }).allSatisfy(\.isNumber) else {
            throw fail("INT '\(text.prefix(40))' is not an integer")
        }
        return .bigInt(bytes: digits.count / 2)
    }

    func textIndex(_ text: String) throws(CheckpointError) -> Int {
        guard let v = Int(text), v >= 0 else { throw fail("memo index '\(text.prefix(40))' is not a non-negative integer") }
        return v
    }

    func latin1(_ raw: UnsafeRawBufferPointer) -> String {
        String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    }

    /// Protocol 0's raw-unicode-escape: `\uXXXX` and `\UXXXXXXXX` are code points, all else literal.
    func rawUnicodeEscape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\", i + 1 < scalars.count, scalars[i + 1] == "u" || scalars[i + 1] == "U" {
                let width = scalars[i + 1] == "u" ? 4 : 8
                if i + 2 + width <= scalars.count,
                   let v = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 2 + width)])), radix: 16),
                   let u = Unicode.Scalar(v) {
                    out.append(u)
                    i += 2 + width
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    func quoted(_ text: String) throws(CheckpointError) -> String {
        guard text.count >= 2, let q = text.first, q == "'" || q == "\"", text.last == q else {
            throw fail("STRING '\(text.prefix(40))' is not a quoted string")
        }
        return String(text.dropFirst().dropLast())
    }

    // MARK: globals and calls

    func global(_ module: String, _ name: String) throws(CheckpointError) -> PickleValue {
        func plausible(_ s: String) -> Bool {
            !s.isEmpty && s.utf8.count <= 256 && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "." }
        }
        guard plausible(module), plausible(name) else {
            throw fail("GLOBAL '\(module.prefix(60))' '\(name.prefix(60))' is not a Python module and name")
        }
        return .global(module: module, name: name)
    }

    mutating func reduce(_ callable: PickleValue, _ args: PickleValue) throws(CheckpointError) -> PickleValue {
        guard let items = graph.sequence(args), case .tuple = args else {
            throw fail("REDUCE needs an argument tuple, found \(args.kindName)")
        }
        guard case let .global(module, name) = callable else {
            return try object("(call of \(graph.describe(callable)))", items)
        }
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            return try rebuildTensor(items)
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let first = items.first, case .tensor = first else {
                throw fail("_rebuild_parameter needs a tensor, found \(items.first?.kindName ?? "nothing")")
            }
            return first
        case ("torch._tensor", "_rebuild_from_type_v2"):
            guard items.count >= 3, let inner = graph.sequence(items[2]), case .global = items[0] else {
                throw fail("_rebuild_from_type_v2 needs (function, type, args, state)")
            }
            let rebuilt = try reduce(items[0], try tuple(inner))
            guard case .tensor = rebuilt else { return try object("torch._tensor._rebuild_from_type_v2", items) }
            return rebuilt
        case ("collections", "OrderedDict"):
            let d = try dict([])
            if let pairs = items.first.flatMap({ graph.sequence($0) }) {
                for pair in pairs {
                    guard let kv = graph.sequence(pair), kv.count == 2 else { throw fail("OrderedDict item is not a pair") }
                    try setItems(kv, into: d)
                }
            }
            return d
        case ("builtins", "set"), ("__builtin__", "set"), ("builtins", "frozenset"), ("__builtin__", "frozenset"):
            return try set(items.first.flatMap { graph.sequence($0) } ?? [])
        case ("torch", "Size"):
            return try tuple(items.first.flatMap { graph.sequence($0) } ?? [])
        case ("_codecs", "encode"):
            if let text = items.first?.string, text.unicodeScalars.allSatisfy({ $0.value < 256 }) {
                return .bytes(text.unicodeScalars.map { UInt8($0.value) })
            }
            return try object("_codecs.encode", items)
        default:
            return try object(module + "." + name, items)
        }
    }

    mutating func newObject(_ cls: PickleValue, _ args: PickleValue) throws(CheckpointError) -> PickleValue {
        let items = graph.sequence(args) ?? []
        guard case let .global(module, name) = cls else {
            return try object("(instance of \(graph.describe(cls)))", items)
        }
        if module == "collections", name == "OrderedDict" { return try dict([]) }
        return try object(module + "." + name, items)
    }

    mutating func build(_ target: PickleValue, _ state: PickleValue) throws(CheckpointError) {
        guard case .object(let i) = target else { return } // dict/tensor state (e.g. a state_dict's _metadata): not needed
        let d = try checked(1 + depth(state))
        if case .dict(let new) = state { try count(graph.dicts[new].count) }
        if let existing = graph.objects[i].state, case .dict(let old) = existing, case .dict(let new) = state {
            for (k, v) in graph.dicts[new].items { graph.dicts[old].set(k, v) }
        } else {
            graph.objects[i].state = state
        }
        objectDepth[i] = max(objectDepth[i], d)
    }

    // MARK: storages and tensors

    mutating func persistentLoad(_ id: PickleValue) throws(CheckpointError) -> PickleValue {
        guard let parts = graph.sequence(id), parts.count == 5, parts[0].string == "storage" else {
            throw fail("persistent id is \(graph.describe(id)), expected ('storage', type, key, location, numel)")
        }
        guard case let .global(module, typeName) = parts[1], module == "torch" || module == "torch.cuda",
              let type = StorageType(rawValue: typeName) else {
            throw fail("storage type \(graph.describe(parts[1])) is not one of torch's \(StorageType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let key = parts[2].string, !key.isEmpty, key.utf8.count <= 64, !key.contains("/"), !key.contains("..") else {
            throw fail("storage key \(graph.describe(parts[2])) is not a plain name")
        }
        guard let count = parts[4].int, count >= 0 else {
            throw fail("storage '\(key)' has element count \(graph.describe(parts[4])), expected a non-negative int")
        }
        if let existing = storageByKey[key] {
            let s = graph.storages[existing]
            guard s.type == type, s.count == count else {
                throw fail("storage '\(key)' is named again as \(count) × \(typeName), first as \(s.count) × \(s.type.rawValue)")
            }
            return .storage(existing)
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow else { throw fail("storage '\(key)': \(count) elements of \(typeName) overflow a byte count") }
        guard let available = unpickler.storageBytes(key) else {
            throw fail("storage '\(key)' has no entry data/\(key) in the archive")
        }
        guard needed <= available else {
            throw fail("storage '\(key)' says \(count) × \(typeName) = \(needed) bytes, but its entry data/\(key) holds \(available)")
        }
        graph.storages.append(PickleStorage(key: key, type: type, count: count))
        storageByKey[key] = graph.storages.count - 1
        return .storage(graph.storages.count - 1)
    }

    mutating func rebuildTensor(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
        guard items.count >= 4, case .storage(let s) = items[0] else {
            throw fail("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...), found \(items.first.map(graph.describe) ?? "nothing")")
        }
        guard let offset = items[1].int, offset >= 0 else { throw fail("tensor storage offset is \(graph.describe(items[1])), expected a non-negative int") }
        func ints(_ v: PickleValue, _ what: String) throws(CheckpointError) -> [Int] {
            guard let seq = graph.sequence(v), seq.count <= limits.maxDimensions else {
                throw fail("tensor \(what) is \(graph.describe(v)), expected a tuple of at most \(limits.maxDimensions) ints")
            }
            var out: [Int] = []
            for x in seq {
                guard let i = x.int, i >= 0 else { throw fail("tensor \(what) holds \(graph.describe(x)), expected non-negative ints") }
                out.append(i)
            }
            return out
        }
        let shape = try ints(items[2], "size"), strides = try ints(items[3], "stride")
        guard shape.count == strides.count else {
            throw fail("tensor size has \(shape.count) dimensions, its stride \(strides.count)")
        }
        let storage = graph.storages[s]
        var count = 1, last = offset
        for (n, st) in zip(shape, strides) {
            let (c, o1) = count.multipliedReportingOverflow(by: n)
            guard !o1 else { throw fail("tensor size \(shape) overflows an element count") }
            count = c
            if n > 0 {
                let (span, o2) = (n - 1).multipliedReportingOverflow(by: st)
                let (next, o3) = last.addingReportingOverflow(span)
                guard !o2, !o3 else { throw fail("tensor size \(shape) with stride \(strides) overflows") }
                last = next
            }
        }
        if count > 0, last >= storage.count {
            throw fail("tensor of size \(shape), stride \(strides) at offset \(offset) reaches element \(last) of storage '\(storage.key)', which has \(storage.count)")
        }
        graph.tensors.append(PickleTensor(storage: s, offset: offset, shape: shape, strides: strides, elementCount: count))
        return .tensor(graph.tensors.count - 1)
    }
}
