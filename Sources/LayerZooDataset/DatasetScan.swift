import Foundation
import LayerZoo
import LayerZooVision

/// One usable image of a split: its file, its size (height, width, after EXIF orientation) and its boxes.
public struct DatasetImage: Sendable {
    public var path: String
    public var height: Int
    public var width: Int
    public var labels: [LabelBox]
}

/// A split as Ultralytics' `YOLODataset` scans it (`cache_labels`, `verify_image_label`): the
/// images kept, and the counts it prints — label files found, missing, empty, corrupt images.
public struct DatasetScan: Sendable {
    public var images: [DatasetImage]
    public var found = 0
    public var missing = 0
    public var empty = 0
    public var corrupt = 0
    /// Warnings in file order: corrupt images and labels (dropped), duplicate labels (removed).
    public var warnings: [Diagnostic] = []

    /// Ultralytics' summary: "48 images, 2 backgrounds, 1 corrupt" (images = label files found).
    public var summary: String { "\(found) images, \(missing + empty) backgrounds, \(corrupt) corrupt" }

    /// Scans `files` (from `ImageList.files`) against a data set of `classCount` classes. Each image
    /// is decoded once to check it, as Ultralytics' `check_image` opens it.
    public static func scan(_ files: [String], classCount: Int, singleClass: Bool = false, keypointShape: [Int]? = nil,
                            decode: (String) throws(ImageError) -> (height: Int, width: Int, restored: Bool) = headerSize) -> DatasetScan {
        var scan = DatasetScan(images: [])
        for file in files {
            let size: (height: Int, width: Int, restored: Bool)
            do throws(ImageError) {
                size = try decode(file)
                if size.restored {
                    scan.warnings.append(.warning("corrupt JPEG: data after the end-of-image marker; Ultralytics restores (rewrites) such a file, LayerZoo reads it as it is and leaves it unchanged",
                                                  at: SourceLocation(file: file, line: 1, column: 1), code: "corrupt-jpeg-restored"))
                }
                guard size.height > 9, size.width > 9 else {
                    throw ImageError(path: file, message: "image size \(size.height) x \(size.width) is under 10 pixels")
                }
            } catch {
                scan.corrupt += 1
                scan.warnings.append(.warning("ignoring corrupt image/label: \(error.message)", at: SourceLocation(file: file, line: 1, column: 1),
                                              notes: [.init("the image is left out of the data set")], code: "corrupt-image"))
                continue
            }
            switch LabelFile.check(path: ImageList.labelPath(file), image: file, classCount: classCount, singleClass: singleClass,
                                      keypointShape: keypointShape) {
            case let .labels(boxes, missing, empty, warning):
                if missing { scan.missing += 1 } else { scan.found += 1 }
                if empty { scan.empty += 1 }
                if let warning { scan.warnings.append(warning) }
                scan.images.append(DatasetImage(path: file, height: size.height, width: size.width, labels: boxes))
            case .corrupt(let diagnostic):
                scan.found += 1
                scan.corrupt += 1
                scan.warnings.append(diagnostic)
            }
        }
        return scan
    }

    /// The image's size as the decoder gives it (orientation applied).
    public static func headerSize(_ path: String) throws(ImageError) -> (height: Int, width: Int, restored: Bool) {
        let (image, restored) = try ValImageReader.decode(path)
        return (image.height, image.width, restored)
    }

    /// Drops the labels of classes a model of `classCount` classes cannot predict
    /// (`update_labels(include_class=range(nc))`); true when any were dropped.
    public mutating func keepClasses(below classCount: Int) -> Bool {
        var dropped = false
        for i in images.indices {
            let before = images[i].labels.count
            images[i].labels.removeAll { $0.classIndex >= classCount }
            dropped = dropped || images[i].labels.count != before
        }
        return dropped
    }
}
