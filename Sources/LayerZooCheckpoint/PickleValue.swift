import ZooCPU

/// One value of an unpickled object graph. Containers and objects are indices into the
/// `PickleGraph` that holds them, so that shared and cyclic references stay what they were in
/// Python and no value owns another (nothing recursive to build, compare or free).
public enum PickleValue: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits (its byte count); kept as a placeholder, never a number.
    case bigInt(bytes: Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(Int)
    case list(Int)
    case dict(Int)
    case set(Int)
    /// An inert object: a class instance, or the result of a call that was not made.
    case object(Int)
    /// A class or function named by GLOBAL / STACK_GLOBAL (never imported, never called).
    case global(module: String, name: String)
    case tensor(Int)
    case storage(Int)

    /// What the value is, for messages ("a dict", "an object of torch.nn.modules.conv.Conv2d").
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int, .bigInt: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case .set: return "a set"
        case .object: return "an object"
        case .global(let module, let name): return "the global \(module).\(name)"
        case .tensor: return "a tensor"
        case .storage: return "a storage"
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var int: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    public var isNone: Bool { self == .none }
}

/// A dict in insertion order, as Python keeps it. Later assignments to a key replace its value
/// in place.
public struct PickleDict: Sendable {
    public private(set) var keys: [PickleValue] = []
    public private(set) var values: [PickleValue] = []
    private var index: [PickleValue: Int] = [:]

    public init() {}

    public var count: Int { keys.count }

    public subscript(key: PickleValue) -> PickleValue? {
        index[key].map { values[$0] }
    }

    public subscript(key: String) -> PickleValue? {
        self[.string(key)]
    }

    public mutating func set(_ key: PickleValue, _ value: PickleValue) {
        if let i = index[key] {
            values[i] = value
        } else {
            index[key] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    public var items: Zip2Sequence<[PickleValue], [PickleValue]> { zip(keys, values) }
}

/// An instance of a class that was not (and never will be) imported: its class name, the
/// arguments it was made with, and the state BUILD gave it.
public struct PickleObject: Sendable {
    /// `module.name` of the class or callable.
    public var className: String
    /// Positional arguments of the NEWOBJ / REDUCE / INST that made it.
    public var arguments: [PickleValue]
    /// The state passed to BUILD (`__setstate__`), usually the instance `__dict__`.
    public var state: PickleValue?
    /// Items appended or set on the object (list and dict subclasses).
    public var listItems: [PickleValue] = []
    public var dictItems: [(key: PickleValue, value: PickleValue)] = []

    /// The attribute dict: `state` when it is a dict, or the dict half of a `(dict, slots)` tuple.
    public func attributes(in graph: PickleGraph) -> PickleDict? {
        switch state {
        case .dict(let d)?: return graph.dicts[d]
        case .tuple(let t)?:
            if let first = graph.tuples[t].first, case .dict(let d) = first { return graph.dicts[d] }
            return nil
        default: return nil
        }
    }
}

/// Element types of torch storages.
public enum StorageType: String, Sendable, CaseIterable {
    case float = "FloatStorage", half = "HalfStorage", bfloat16 = "BFloat16Storage", double = "DoubleStorage"
    case long = "LongStorage", int = "IntStorage", short = "ShortStorage", char = "CharStorage"
    case byte = "ByteStorage", bool = "BoolStorage"

    public var byteSize: Int {
        switch self {
        case .double, .long: return 8
        case .float, .int: return 4
        case .half, .bfloat16, .short: return 2
        case .char, .byte, .bool: return 1
        }
    }

    public var isFloatingPoint: Bool { self == .float || self == .half || self == .bfloat16 || self == .double }

    /// How the tensor appears in a `TensorSource`: F64 is converted to F32, narrow integers shown as I32.
    public var sourceType: DType {
        switch self {
        case .float, .double: return .f32
        case .half: return .f16
        case .bfloat16: return .bf16
        case .long: return .i64
        case .int, .short, .char, .byte, .bool: return .i32
        }
    }
}

/// A storage named by a persistent id: the archive entry `data/<key>` holds `count` elements.
public struct PickleStorage: Sendable {
    public var key: String
    public var type: StorageType
    public var count: Int
}

/// A tensor rebuilt by `_rebuild_tensor_v2`: a strided view of a storage.
public struct PickleTensor: Sendable {
    public var storage: Int
    public var offset: Int
    public var shape: [Int]
    public var strides: [Int]
    public var elementCount: Int
}

/// Everything one unpickling produced: the root value and the containers it refers to.
public struct PickleGraph: Sendable {
    public var root: PickleValue = .none
    public var tuples: [[PickleValue]] = []
    public var lists: [[PickleValue]] = []
    public var dicts: [PickleDict] = []
    public var sets: [[PickleValue]] = []
    public var objects: [PickleObject] = []
    public var storages: [PickleStorage] = []
    public var tensors: [PickleTensor] = []

    public init() {}

    /// The dict `value` refers to, if it is one.
    public func dict(_ value: PickleValue?) -> PickleDict? {
        if case .dict(let d)? = value { return dicts[d] }
        return nil
    }

    /// The object `value` refers to, if it is one.
    public func object(_ value: PickleValue?) -> PickleObject? {
        if case .object(let o)? = value { return objects[o] }
        return nil
    }

    /// The items of a list, tuple or set.
    public func sequence(_ value: PickleValue?) -> [PickleValue]? {
        switch value {
        case .list(let i)?: return lists[i]
        case .tuple(let i)?: return tuples[i]
        case .set(let i)?: return sets[i]
        default: return nil
        }
    }

    /// A description with the class name for objects.
    public func describe(_ value: PickleValue) -> String {
        if case .object(let o) = value { return "an object of \(objects[o].className)" }
        return value.kindName
    }
}
