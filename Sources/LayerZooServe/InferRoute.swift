import HTTPTypes
import Hummingbird
import LayerZoo
import ZooCPU

extension InferenceServer {
    /// The request body, refused with 413 when `Content-Length` or the bytes read pass the limit.
    func body(of request: Request) async throws -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw ServeError(.contentTooLarge, "the body is \(length) bytes, over this server's limit of \(limit) bytes")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw ServeError(.contentTooLarge, "the body is over this server's limit of \(limit) bytes")
        }
    }

    /// `POST /v2/models/{name}/infer`.
    func infer(_ request: Request, model: ServedModel, version: String?) async throws -> Response {
        let buffer = try await body(of: request)
        var headerLength: Int?
        if let text = request.headers[.inferenceHeaderContentLength] {
            guard let n = Int(text), n >= 0 else {
                throw ServeError.badRequest("Inference-Header-Content-Length must be a byte count, got '\(text)'")
            }
            headerLength = n
        }
        let limits = InferLimits(maxElements: configuration.maxElements(channels: model.inputChannels))
        let parsed = try buffer.withUnsafeReadableBytes { bytes throws(ServeError) in
            try InferRequest.parse(bytes, headerLength: headerLength, limits: limits)
        }
        let input = try check(parsed, for: model)
        let wanted = try parsed.outputs ?? model.outputNames.map { InferRequest.RequestedOutput(name: $0, binary: nil) }
        for output in wanted where !model.outputNames.contains(output.name) {
            throw ServeError.badRequest("model '\(model.name)' has no output '\(output.name)'; its outputs: "
                                        + model.outputNames.joined(separator: ", "))
        }
        let outputs = try await model.workers.run(input)
        let byName = Dictionary(uniqueKeysWithValues: zip(model.outputNames, outputs))
        let selected = wanted.compactMap { w in byName[w.name].map { (name: w.name, tensor: $0) } }
        let binary = Set(wanted.filter { $0.binary ?? parsed.binaryOutput }.map(\.name))
        let response = InferResponse(model: model.name, version: version, id: parsed.id, outputs: selected, binary: binary)
        var headers: HTTPFields = [.contentType: response.jsonLength == nil ? "application/json" : "application/octet-stream"]
        if let length = response.jsonLength { headers[.inferenceHeaderContentLength] = String(length) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: response.bytes)))
    }

    /// The one input, checked against what the model takes: [N, C, H, W] float32 with C the
    /// model's channels, N within the batch limit and H, W multiples of its stride.
    func check(_ request: InferRequest, for model: ServedModel) throws(ServeError) -> Tensor {
        guard request.inputs.count == 1, let input = request.inputs.first else {
            throw .badRequest("model '\(model.name)' takes one input ('\(model.inputName)'), got \(request.inputs.count)")
        }
        guard input.name == model.inputName else {
            throw .badRequest("model '\(model.name)' has no input '\(input.name)'; its input is '\(model.inputName)'")
        }
        let shape = input.tensor.shape
        let expected = "[N, \(model.inputChannels), H, W]"
        guard shape.count == 4 else { throw .badRequest("input '\(input.name)' must have shape \(expected), got \(Shape.text(shape))") }
        guard shape[1] == model.inputChannels else {
            throw .badRequest("input '\(input.name)' must have \(model.inputChannels) channels (shape \(expected)), got \(Shape.text(shape))")
        }
        guard (1...configuration.maxRequestBatch).contains(shape[0]) else {
            throw .badRequest("input '\(input.name)': the batch N must be from 1 to \(configuration.maxRequestBatch), got \(shape[0])")
        }
        let side = configuration.maxImageSide
        guard (1...side).contains(shape[2]), (1...side).contains(shape[3]) else {
            throw .badRequest("input '\(input.name)': height and width must be from 1 to \(side), got \(Shape.text(shape))")
        }
        guard shape[2] % model.stride == 0, shape[3] % model.stride == 0 else {
            throw .badRequest("input '\(input.name)': height and width must be multiples of the model's stride \(model.stride), got \(Shape.text(shape)); pad or resize the image")
        }
        return input.tensor
    }
}

extension HTTPField.Name {
    /// The binary tensor extension's header: how many leading bytes of the body are JSON.
    static let inferenceHeaderContentLength = HTTPField.Name("Inference-Header-Content-Length") ?? .contentLength
}
