import Foundation
import Hummingbird
import LayerZooModelFiles
import LayerZooVision
import ZooCPU

extension InferenceServer {
    /// `POST /v2/models/{name}/predict`: an image (JPEG or PNG; the raw body, or a
    /// `multipart/form-data` file) in, `layerzoo predict --format json`'s object out, through the
    /// same `PredictPipeline`: `{"source", "shape": [h, w], "results": Results.summary()}` (boxes;
    /// segment polygons, pose keypoints, OBB corners; classify's top 5). Query parameters:
    /// `conf`, `iou`, `max_det`, `classes` (e.g. `0,2`), `agnostic_nms`, `end2end` (an end-to-end
    /// head's one-to-one branches without NMS, as `predict --end2end`), `source` (the name to report).
    func predict(_ request: Request, model: ServedModel) async throws -> Response {
        let nms = try nmsOptions(request.uri.queryParameters)
        if let refusal = PredictPipeline.endToEndRefusal(requested: nms.endToEnd, head: model.head, hasOneToOne: model.hasOneToOne) {
            throw ServeError.badRequest("model '\(model.name)': \(refusal)")
        }
        guard let pipeline = PredictPipeline(head: model.head, keypointShape: model.keypointShape, hasOneToOne: model.hasOneToOne,
                                             options: nms, imageHeight: model.imageHeight, imageWidth: model.imageWidth,
                                             stride: model.stride) else {
            throw ServeError.badRequest("predict handles \(PredictPipeline.supportedHeads) heads; model '\(model.name)' ends in '\(model.head)' (use infer)")
        }
        let buffer = try await body(of: request)
        guard buffer.readableBytes > 0 else { throw ServeError.badRequest("the body is empty; send a JPEG or PNG image") }
        var source = request.uri.queryParameters.get("source").map { String($0) } ?? "upload"
        let data: Data
        if let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/") {
            guard let boundary = MultipartUpload.boundary(contentType: type) else {
                throw ServeError.badRequest("a multipart upload must be multipart/form-data with a boundary")
            }
            let upload = try buffer.withUnsafeReadableBytes { bytes throws(ServeError) in try MultipartUpload.parse(bytes, boundary: boundary) }
            if let name = upload.filename, request.uri.queryParameters.get("source") == nil { source = name }
            data = Data(upload.bytes)
        } else {
            data = buffer.withUnsafeReadableBytes { Data($0) }
        }
        let prepared: PreparedBatch
        do throws(ImageError) {
            let image = try ImageDecoder.decode(data)
            prepared = try pipeline.preprocessor([(source, image)])
        } catch {
            throw ServeError.badRequest("the image cannot be read: \(error.message)")
        }
        let outputs = try await model.workers.run(prepared.tensor, endToEndDetections: pipeline.endToEndDetections)
        guard !outputs.isEmpty else { throw ServeError(.internalError, "the model gave no output") }
        let results: [ImageResult]
        do throws(BackendError) {
            results = try pipeline.results(outputs, for: prepared, names: model.names)
        } catch {
            throw ServeError(.internalError, "post-processing failed: \(error)")
        }
        guard let result = results.first else { throw ServeError(.internalError, "post-processing gave no result") }
        return json(PredictPipeline.json(result).text())
    }

    /// The NMS settings from the query, each checked as `layerzoo predict` checks its option.
    func nmsOptions(_ query: Parameters) throws(ServeError) -> NMSOptions {
        var nms = NMSOptions()
        func number(_ key: String, _ range: ClosedRange<Float>) throws(ServeError) -> Float? {
            guard let text = query.get(key) else { return nil }
            guard let v = Float(String(text)), range.contains(v) else {
                throw .badRequest("query parameter \(key) must be a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
            }
            return v
        }
        if let v = try number("conf", 0...1) { nms.confidence = v }
        if let v = try number("iou", 0...1) { nms.iou = v }
        if let text = query.get("max_det") {
            guard let v = Int(String(text)), (1...30_000).contains(v) else {
                throw .badRequest("query parameter max_det must be an integer from 1 to 30000, got '\(text)'")
            }
            nms.maxDetections = v
        }
        if let text = query.get("classes") {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.count <= 1000, values.count == parts.count, values.allSatisfy({ (0...100_000).contains($0) }) else {
                throw .badRequest("query parameter classes must be class indices separated by commas, e.g. 0,2; got '\(text)'")
            }
            nms.classes = values
        }
        if let text = query.get("agnostic_nms") {
            guard let v = Bool(String(text).lowercased()) else {
                throw .badRequest("query parameter agnostic_nms must be true or false, got '\(text)'")
            }
            nms.agnostic = v
        }
        if let text = query.get("end2end") {
            guard let v = Bool(String(text).lowercased()) else {
                throw .badRequest("query parameter end2end must be true or false, got '\(text)'")
            }
            nms.endToEnd = v
        }
        return nms
    }
}
