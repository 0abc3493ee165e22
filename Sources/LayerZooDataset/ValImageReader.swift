import Foundation
import LayerZooVision

/// Whether `path` is a regular file (after symbolic links): pipes and devices named like data
/// files are never opened, since reading one could block forever or never end.
func isRegularFile(_ path: String) -> Bool {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType) == .typeRegular
}

/// Reads a data set image as val sees it. A JPEG that decodes but does not end in the
/// end-of-image marker (bytes after it) is one Ultralytics' `check_image` "restores" — re-saves
/// in place — and keeps; LayerZoo keeps it too but never rewrites a user's file, and says so.
/// (A JPEG cut short fails to decode here as it fails in PIL there: the image is dropped.)
public enum ValImageReader {
    /// The decoded image, and whether Ultralytics would have restored the file.
    public static func decode(_ path: String) throws(ImageError) -> (image: BGRImage, restored: Bool) {
        if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType,
           type != .typeRegular && type != .typeDirectory {
            throw ImageError(path: path, message: "not a regular file (a pipe or device is never read)")
        }
        let image = try ImageDecoder.decode(path: path)
        return (image, unterminatedJPEG(path))
    }

    /// Whether the file is a JPEG that does not end in FF D9.
    static func unterminatedJPEG(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 3), head.elementsEqual([0xFF, 0xD8, 0xFF]),
              let end = try? handle.seekToEnd(), end >= 4 else { return false }
        do {
            try handle.seek(toOffset: end - 2)
            let tail = try handle.read(upToCount: 2) ?? Data()
            return !tail.elementsEqual([0xFF, 0xD9])
        } catch {
            return false
        }
    }
}
