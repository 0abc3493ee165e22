import LayerZoo
import ZooCPU

/// A decoded `POST /v2/models/{name}/infer` body (Open Inference Protocol v2, with the binary
/// tensor extension): its inputs as float32 tensors and what the client wants back.
public struct InferRequest: @unchecked Sendable {
    public struct Input {
        public var name: String
        public var datatype: Datatype
        public var tensor: Tensor
    }

    /// One entry of `outputs`: a name, and whether it is wanted as binary data (nil: the
    /// request's `binary_data_output`).
    public struct RequestedOutput: Sendable, Equatable {
        public var name: String
        public var binary: Bool?
    }

    public var id: String?
    public var inputs: [Input]
    /// nil: every output of the model.
    public var outputs: [RequestedOutput]?
    /// The request's `parameters.binary_data_output`.
    public var binaryOutput: Bool
}

/// Bounds a request must keep before anything is allocated for it.
public struct InferLimits: Sendable {
    /// Most elements of one input tensor.
    public var maxElements: Int
    /// Most values in a JSON body: its parsed tree takes some 24 bytes a value, so this, not
    /// only the body limit, bounds a request's memory (larger inputs use binary data).
    public var maxJSONValues = 4 << 20
    /// Most dimensions of one input shape.
    public var maxRank = 8
    /// Most inputs and requested outputs.
    public var maxEntries = 64

    public init(maxElements: Int) {
        self.maxElements = maxElements
    }
}

extension InferRequest {
    /// Parses `body`: all JSON, or with `headerLength` (the `Inference-Header-Content-Length`
    /// header) that many bytes of JSON followed by the binary data of the inputs whose
    /// `parameters.binary_data_size` says so, in order. Every problem is a 400 naming the field.
    public static func parse(_ body: UnsafeRawBufferPointer, headerLength: Int?, limits: InferLimits) throws(ServeError) -> InferRequest {
        let jsonCount = headerLength ?? body.count
        guard jsonCount >= 0, jsonCount <= body.count else {
            throw .badRequest("Inference-Header-Content-Length is \(jsonCount), but the body has \(body.count) bytes")
        }
        let root: JSONValue
        do throws(JSONParser.Failure) {
            root = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: body[0..<jsonCount]),
                                        maxValues: limits.maxJSONValues)
        } catch {
            throw .badRequest("the request is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let fields) = root else { throw .badRequest("the request must be a JSON object, got \(root.kind)") }
        var request = InferRequest(id: nil, inputs: [], outputs: nil, binaryOutput: false)
        if let id = fields.value("id") {
            guard case .string(let text) = id else { throw .badRequest("'id' must be a string, got \(id.kind)") }
            request.id = text
        }
        if let parameters = fields.value("parameters") {
            request.binaryOutput = try boolParameter(parameters, "binary_data_output", in: "parameters") ?? false
        }
        guard case .array(let inputs)? = fields.value("inputs") else {
            throw .badRequest("the request needs 'inputs', an array of tensors {name, shape, datatype, data}")
        }
        guard !inputs.isEmpty, inputs.count <= limits.maxEntries else {
            throw .badRequest("'inputs' must have 1 to \(limits.maxEntries) tensors, got \(inputs.count)")
        }
        var binary = UnsafeRawBufferPointer(rebasing: body[jsonCount...])
        for (i, input) in inputs.enumerated() {
            request.inputs.append(try parseInput(input, at: "inputs[\(i)]", binary: &binary, limits: limits))
        }
        guard binary.isEmpty else {
            throw .badRequest("\(binary.count) bytes of binary data follow the JSON that no input's binary_data_size accounts for")
        }
        if let outputs = fields.value("outputs") {
            guard case .array(let items) = outputs, items.count <= limits.maxEntries else {
                throw .badRequest("'outputs' must be an array of at most \(limits.maxEntries) {name, parameters} objects")
            }
            request.outputs = try items.enumerated().map { (i, item) throws(ServeError) in
                guard case .object(let f) = item, case .string(let name)? = f.value("name") else {
                    throw .badRequest("outputs[\(i)] must be an object with a string 'name'")
                }
                let binary = try f.value("parameters").flatMap { p throws(ServeError) in
                    try boolParameter(p, "binary_data", in: "outputs[\(i)].parameters")
                }
                return RequestedOutput(name: name, binary: binary)
            }
        }
        return request
    }

    private static func boolParameter(_ parameters: JSONValue, _ key: String, in place: String) throws(ServeError) -> Bool? {
        guard case .object(let p) = parameters else { throw .badRequest("'\(place)' must be an object, got \(parameters.kind)") }
        guard let value = p.value(key) else { return nil }
        guard case .bool(let b) = value else { throw .badRequest("'\(place).\(key)' must be true or false, got \(value.kind)") }
        return b
    }

    private static func parseInput(_ value: JSONValue, at place: String, binary: inout UnsafeRawBufferPointer,
                                   limits: InferLimits) throws(ServeError) -> Input {
        guard case .object(let f) = value else { throw .badRequest("\(place) must be an object, got \(value.kind)") }
        guard case .string(let name)? = f.value("name") else { throw .badRequest("\(place) needs a string 'name'") }
        let at = "\(place) ('\(name)')"
        guard case .string(let typeName)? = f.value("datatype") else {
            throw .badRequest("\(at) needs a string 'datatype' (FP32, FP16, FP64, INT8 ... UINT64)")
        }
        guard let datatype = Datatype(rawValue: typeName) else {
            throw .badRequest("\(at): datatype \(typeName) is not supported; expected one of "
                              + Datatype.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard case .array(let dims)? = f.value("shape"), dims.count <= limits.maxRank else {
            throw .badRequest("\(at) needs 'shape', an array of at most \(limits.maxRank) non-negative integers")
        }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard let n = d.nonNegativeInt else { throw .badRequest("\(at): shape entries must be non-negative integers, got \(d.kind)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow, product <= limits.maxElements else {
                throw .badRequest("\(at): shape \(Shape.text(shape + [n])) has more than the \(limits.maxElements) elements this server accepts")
            }
            count = product
            shape.append(n)
        }
        var binarySize: Int?
        if let parameters = f.value("parameters") {
            guard case .object(let p) = parameters else { throw .badRequest("\(at): 'parameters' must be an object") }
            if let size = p.value("binary_data_size") {
                guard let n = size.nonNegativeInt else { throw .badRequest("\(at): binary_data_size must be a non-negative integer") }
                binarySize = n
            }
        }
        guard count > 0 else { throw .badRequest("\(at): shape \(Shape.text(shape)) has no elements") }
        // What the body holds bounds the allocation: the bytes left for binary data, the
        // values parsed for JSON data.
        if let binarySize {
            let (expected, overflow) = count.multipliedReportingOverflow(by: datatype.byteSize)
            guard !overflow, binarySize == expected else {
                throw .badRequest("\(at): binary_data_size is \(binarySize), but shape \(Shape.text(shape)) of \(typeName) takes \(expected) bytes")
            }
            guard binary.count >= binarySize else {
                throw .badRequest("\(at): binary_data_size is \(binarySize), but only \(binary.count) bytes of binary data are left")
            }
        } else if count > limits.maxJSONValues {
            throw .badRequest("\(at): shape \(Shape.text(shape)) has more than the \(limits.maxJSONValues) values a JSON body may hold; send it as binary data")
        }
        let tensor: Tensor
        do throws(BackendError) {
            tensor = try Tensor(shape: shape)
        } catch {
            throw ServeError(.unavailable, "\(at): cannot allocate the input: \(error)")
        }
        let out = UnsafeMutableBufferPointer(start: tensor.pointer, count: count)
        if let binarySize {
            datatype.decode(UnsafeRawBufferPointer(rebasing: binary[0..<binarySize]), into: out)
            binary = UnsafeRawBufferPointer(rebasing: binary[binarySize...])
        } else {
            guard let data = f.value("data") else { throw .badRequest("\(at) needs 'data' (or parameters.binary_data_size)") }
            var written = 0
            try flatten(data, into: out, written: &written, datatype: datatype, at: at)
            guard written == count else {
                throw .badRequest("\(at): shape \(Shape.text(shape)) has \(count) elements, but 'data' has \(written)")
            }
        }
        return Input(name: name, datatype: datatype, tensor: tensor)
    }

    /// Writes the numbers of `value` (flat or nested arrays, row-major) into `out`, never past its end.
    private static func flatten(_ value: JSONValue, into out: UnsafeMutableBufferPointer<Float>, written: inout Int,
                                datatype: Datatype, at place: String) throws(ServeError) {
        switch value {
        case .array(let items):
            for item in items { try flatten(item, into: out, written: &written, datatype: datatype, at: place) }
        case .number(let text):
            guard let number = Double(text), datatype.accepts(number) else {
                throw .badRequest("\(place): \(text) is not a \(datatype.rawValue) value")
            }
            guard written < out.count else {
                throw .badRequest("\(place): 'data' has more elements than its shape's \(out.count)")
            }
            out[written] = Float(number)
            written += 1
        default:
            throw .badRequest("\(place): 'data' must hold numbers, got \(value.kind)")
        }
    }
}

extension Array where Element == (key: String, value: JSONValue) {
    func value(_ key: String) -> JSONValue? { first(where: { $0.key == key })?.value }
}
