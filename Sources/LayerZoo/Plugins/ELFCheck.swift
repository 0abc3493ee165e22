import ZooCPU

/// What a plugin file is, read from its ELF header and dynamic symbol table before `dlopen`
/// sees it: a library for another machine or a file that is no library at all is reported as
/// what it is, and the entry point must be a function (a data symbol of that name would be
/// called as code).
enum ELFCheck {
    /// Largest plugin file read for the check.
    static let maxBytes = 512 << 20

    /// The machine this program runs on, as ELF `e_machine`.
    static var hostMachine: UInt16 {
        #if arch(x86_64)
        return 62
        #elseif arch(arm64)
        return 183
        #else
        return 0
        #endif
    }

    static func machineName(_ m: UInt16) -> String {
        switch m {
        case 3: return "x86 (32-bit)"
        case 40: return "ARM (32-bit)"
        case 62: return "x86-64"
        case 183: return "AArch64"
        case 243: return "RISC-V"
        case 21: return "PowerPC64"
        case 22: return "IBM S/390"
        default: return "machine type \(m)"
        }
    }

    /// Checks the file at `path`; the message says what is wrong.
    static func check(_ path: String, entryPoint: String) throws(PluginError) {
        let file: MappedFile
        do throws(BackendError) {
            file = try MappedFile(path: path)
        } catch {
            throw PluginError(path: FilePaths.display(path), message: "cannot read the library: \(error)")
        }
        guard file.size <= maxBytes else {
            throw PluginError(path: FilePaths.display(path), message: "file is \(file.size) bytes; plugin libraries over \(maxBytes) bytes are refused")
        }
        if let problem = problem(in: file.bytes, entryPoint: entryPoint) {
            throw PluginError(path: FilePaths.display(path), message: problem)
        }
    }

    /// Nil when `bytes` are a 64-bit little-endian ELF shared library for this machine whose
    /// dynamic symbol table defines `entryPoint` as a function; else why not.
    static func problem(in bytes: UnsafeRawBufferPointer, entryPoint: String) -> String? {
        guard bytes.count >= 4, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            let looksText = bytes.prefix(256).allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (0x20...0x7E).contains($0) }
            return "not a shared library: not an ELF file" + (bytes.isEmpty ? " (empty)" : looksText ? " (it is text)" : "")
        }
        guard bytes.count >= 64 else { return "not a shared library: truncated ELF header" }
        let elfClass = bytes[4], order = bytes[5]
        let reader = Reader(bytes: bytes)
        if elfClass == 1 {
            let machine = order == 1 ? UInt16(bytes[18]) | UInt16(bytes[19]) << 8 : UInt16(bytes[19]) | UInt16(bytes[18]) << 8
            return "a 32-bit ELF file for \(machineName(machine)); this program is 64-bit \(machineName(hostMachine))"
        }
        guard elfClass == 2 else { return "not a shared library: unknown ELF class \(elfClass)" }
        guard order == 1 else { return "a big-endian ELF file; this program is little-endian \(machineName(hostMachine))" }
        guard let type = reader.u16(16), let machine = reader.u16(18) else { return "truncated ELF header" }
        guard machine == hostMachine else {
            return "an ELF library for \(machineName(machine)); this program runs on \(machineName(hostMachine))"
        }
        guard type == 3 else {
            return type == 2 ? "an executable, not a shared library (build the plugin with -shared)"
                             : "not a shared library (ELF type \(type))"
        }
        guard let shoff = reader.int(40, 8), let shentsize = reader.int(58, 2), let shnum = reader.int(60, 2),
              shentsize >= 64, shnum > 0 else {
            return "a shared library without section headers; cannot check its '\(entryPoint)' entry point"
        }
        let name = Array(entryPoint.utf8)
        for i in 0..<shnum {
            // Every offset is checked against the file before anything is added to it.
            guard let header = ShapeMath.add(shoff, i * shentsize), header <= bytes.count else {
                return "truncated section headers"
            }
            guard let kind = reader.int(header + 4, 4) else { return "truncated section headers" }
            guard kind == 11 else { continue }  // SHT_DYNSYM
            guard let offset = reader.int(header + 24, 8), let size = reader.int(header + 32, 8),
                  let link = reader.int(header + 40, 4), let entsize = reader.int(header + 56, 8), entsize >= 24,
                  link < shnum, let strHeader = ShapeMath.add(shoff, link * shentsize), strHeader <= bytes.count,
                  let strOffset = reader.int(strHeader + 24, 8), let strSize = reader.int(strHeader + 32, 8),
                  offset <= bytes.count, strOffset <= bytes.count, strSize <= bytes.count else {
                return "malformed dynamic symbol table"
            }
            for k in 0..<(size / entsize) {
                guard let symbol = ShapeMath.add(offset, k * entsize), symbol <= bytes.count, let nameOffset = reader.int(symbol, 4),
                      let info = reader.int(symbol + 4, 1), let section = reader.int(symbol + 6, 2) else {
                    return "malformed dynamic symbol table"
                }
                guard nameOffset < strSize, reader.matches(name, at: strOffset + nameOffset, limit: strOffset + strSize) else {
                    continue
                }
                guard section != 0 else { continue }  // undefined: a reference, not a definition
                let symbolType = info & 0xF
                if symbolType == 2 || symbolType == 10 { return nil }  // STT_FUNC, STT_GNU_IFUNC
                return "not a LayerZoo plugin: '\(entryPoint)' is a \(symbolType == 1 ? "data object" : "symbol of type \(symbolType)"), not a function"
            }
        }
        return "not a LayerZoo plugin: it exports no '\(entryPoint)' entry point"
    }

    /// Bounds-checked little-endian reads.
    struct Reader {
        let bytes: UnsafeRawBufferPointer

        func int(_ offset: Int, _ width: Int) -> Int? {
            guard offset >= 0, width <= 8, let end = ShapeMath.add(offset, width), end <= bytes.count else { return nil }
            var v: UInt64 = 0
            for j in (0..<width).reversed() { v = v << 8 | UInt64(bytes[offset + j]) }
            return v <= UInt64(Int.max) ? Int(v) : nil
        }

        func u16(_ offset: Int) -> UInt16? { int(offset, 2).map { UInt16($0) } }

        /// True when the NUL-terminated string at `offset` (before `limit`) equals `name`.
        func matches(_ name: [UInt8], at offset: Int, limit: Int) -> Bool {
            guard offset >= 0, let end = ShapeMath.add(offset, name.count), end < min(limit, bytes.count) else { return false }
            for (j, c) in name.enumerated() where bytes[offset + j] != c { return false }
            return bytes[end] == 0
        }
    }
}
