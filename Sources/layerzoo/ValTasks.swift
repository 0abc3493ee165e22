import ArgumentParser
import Foundation
import LayerZoo
import LayerZooDataset
import LayerZooModelFiles
import LayerZooVision

extension Val {
    /// The validator's task for the model's head; a pose model needs the data set's `kpt_shape`,
    /// the same as the model's.
    func valTask(head: String, model: ModelConfig, data config: DatasetConfig) throws(Diagnostic) -> ValTask {
        switch head {
        case "Segment", "Segment26": return .segment
        case "OBB", "OBB26": return .obb
        case "Pose", "Pose26":
            let at = SourceLocation(file: config.file, line: 1, column: 1)
            guard let shape = config.keypointShape else {
                throw .error("a pose data set needs 'kpt_shape' (keypoints per object, values per keypoint)", at: at,
                             notes: [.init("expected e.g. 'kpt_shape: [17, 3]', as the model's \(PredictPipeline.keypointShape(model))")])
            }
            let modelShape = PredictPipeline.keypointShape(model)
            guard shape == modelShape else {
                throw .error("the data set's kpt_shape \(shape) differs from the model's \(modelShape)", at: at)
            }
            return .pose(keypointShape: shape, sigmas: KeypointSimilarity.sigmas(keypointShape: shape, custom: config.keypointSigmas))
        default: return .detect
        }
    }

    /// Classification val: `--data` is a folder with `<split>/<class>/` image folders.
    func runClassify(_ network: Model, names fromModel: [Int: String], imgsz: Int, log: (String) -> Void,
                     fail: ([Diagnostic]) -> ExitCode) throws {
        let folders: ClassFolders
        do throws(Diagnostic) {
            let (folder, warning) = try ClassFolders.splitFolder(data: data, split: split)
            if let warning { printError(warning.description) }
            folders = try ClassFolders.scan(folder, modelNames: fromModel, singleClass: singleClass)
        } catch {
            throw fail([error])
        }
        for w in folders.warnings { printError(w.description) }
        if plots { printError("warning: --plots draws the detection curves; classification val writes none") }
        printError("\(split): Scanning \(folders.folder)... \(folders.samples.count) images, \(folders.corrupt) corrupt")
        guard !folders.samples.isEmpty else {
            throw fail([.error("no images from the model's classes found in the '\(split)' split", at: SourceLocation(file: folders.folder, line: 1, column: 1))])
        }
        let classCount = fromModel.isEmpty ? folders.classes.count : fromModel.count
        let result: ClassifyValResult
        var bar = ProgressBar(total: folders.samples.count)
        do throws(Diagnostic) {
            result = try ClassifyValidator(imgsz: imgsz, batch: batch, classCount: classCount).run(folders, forward: { input throws(Diagnostic) in
                try network.forward(input)
            }, progress: { done, _ in bar.draw(done) })
        } catch {
            bar.clear()
            throw fail([error])
        }
        bar.clear()
        if format == .json {
            print(jsonString(ClassifyValJSON(model: model, data: data, split: split, imgsz: imgsz, images: result.images, corrupt: folders.corrupt,
                                             top1: result.top1, top5: result.top5,
                                             speedMs: ["preprocess": result.speed.preprocess, "inference": result.speed.inference,
                                                       "postprocess": result.speed.postprocess],
                                             confusionMatrix: result.confusion)))
        } else {
            let table = ValTable.pad("classes", 22) + ValTable.pad("top1_acc", 11) + ValTable.pad("top5_acc", 11) + "\n"
                + ValTable.pad("all", 22) + [result.top1, result.top5].map { ValTable.pad(String(format: "%.3g", $0), 11) }.joined()
            log(table)
        }
        log(String(format: "Speed: %.1fms preprocess, %.1fms inference, 0.0ms loss, %.1fms postprocess per image",
                   result.speed.preprocess, result.speed.inference, result.speed.postprocess))
    }
}

/// `val --format json` for a classification model.
struct ClassifyValJSON: Encodable {
    var model: String
    var data: String
    var split: String
    var imgsz: Int
    var images: Int
    var corrupt: Int
    var top1: Double
    var top5: Double
    var speedMs: [String: Double]
    /// `[predicted][true]` counts of the top-1 class.
    var confusionMatrix: [[Double]]
}
