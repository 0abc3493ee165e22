import Foundation
import ZooCPU

/// Turns a `ModelConfig` into a `Model` exactly as Ultralytics' `parse_model` does, and
/// reports every problem it finds at the line and column where it was written.
public struct ModelBuilder: Sendable {
    public let registry: LayerRegistry
    /// For names with several definitions: the variant to use (`["C2f_DBB": "conv-dbb"]`);
    /// names not listed use their default, with a note saying so.
    public var variants: [String: String] = [:]
    /// Bounds on the model's totals (layers, blocks, modules, channels, parameters).
    public var limits = ModelLimits.standard

    /// The eps Ultralytics' `initialize_weights` gives every `nn.BatchNorm2d` of a model.
    public static let ultralyticsBatchNormEps: Float = 1e-3

    public init(registry: LayerRegistry) {
        self.registry = registry
    }

    /// Builds the model. `scale` (asked for explicitly) or else `scaleFromName` (implied by
    /// a file name like yolov8n.yaml) picks an entry of `scales`, the first one with a warning
    /// when neither is given. Like Ultralytics, a name-implied scale is ignored when the file
    /// has no scales; an explicit one is an error there. Diagnostics receive every error and
    /// warning (`warnOnDefaultScale` false leaves out the first-scale warning, for a caller
    /// that reports it once for many files).
    public func build(_ config: ModelConfig, scale explicitScale: String?, scaleFromName: String? = nil,
                      warnOnDefaultScale: Bool = true, diagnostics: inout [Diagnostic]) -> Model? {
        let requestedScale = explicitScale ?? scaleFromName
        let errorsBefore = diagnostics.filter { $0.severity == .error }.count
        var warnings: [Diagnostic] = []
        var context = ModelContext(nc: config.nc, regMax: config.regMax, end2end: config.end2end)
        var chosenScale: ModelScale?
        context.depth = config.depthMultiple
        context.width = config.widthMultiple
        context.dialect = config.dialect
        context.channelDivisor = config.channelMultiple
        if config.dialect != .ultralytics {
            warnings.append(Diagnostic(.note, "read in the dialect of \(config.dialect.displayName): anchor-based Detect, depth_multiple \(Self.number(config.depthMultiple)) and width_multiple \(Self.number(config.widthMultiple)), no channel cap",
                                       at: config.dialectLocation,
                                       notes: [.init("a file with an 'anchors' key that a layer row passes as an argument is read this way (docs/yolov5-dialect.md)")],
                                       code: "dialect"))
        }

        if !config.scales.isEmpty {
            if let requested = requestedScale {
                if let found = config.scales.first(where: { $0.name == requested }) {
                    chosenScale = found
                } else {
                    diagnostics.append(.error("scale '\(requested)' is not defined; the file defines \(config.scales.map { "'\($0.name)'" }.joined(separator: ", "))",
                                              at: config.scalesLocation))
                }
            } else if let first = config.scales.first {
                chosenScale = first
                if warnOnDefaultScale {
                    warnings.append(.warning("no model scale given; using the first one, '\(first.name)' (pass --scale, or name the file like yolov8\(first.name).yaml)",
                                             at: config.scalesLocation))
                }
            }
        } else if let requested = explicitScale {
            diagnostics.append(.error("scale '\(requested)' was requested but the file has no 'scales'",
                                      at: SourceLocation(file: config.file, line: 1, column: 1)))
        }
        if let s = chosenScale {
            context.scale = s.name
            context.depth = s.depth
            context.width = s.width
            context.maxChannels = s.maxChannels
        }
        if let (text, location) = config.activation {
            if let act = Activation.parse(text) {
                context.defaultActivation = act
            } else {
                diagnostics.append(.error("unknown activation '\(text)'; expected nn.<Name>() with one of \(Activation.knownNames.joined(separator: ", ")) (activation strings are matched, never evaluated)",
                                          at: location))
            }
        }

        if config.layers.count > limits.maxLayers {
            diagnostics.append(.error("the model has \(config.layers.count) layers; more than \(limits.maxLayers) are refused",
                                      at: config.layers[limits.maxLayers].location))
            return nil
        }
        var channels: [Int?] = []
        var nodes: [ModelNode] = []
        var previousC2: Int? = config.inputChannels
        var noted = Set<String>()
        for row in config.layers where !row.isMalformed && !noted.contains(row.module) {
            let all = registry.variants(named: row.module)
            guard all.count > 1 else { continue }
            noted.insert(row.module)
            if let wanted = variants[row.module] {
                if !all.contains(where: { $0.variant == wanted }) {
                    diagnostics.append(.error("layer \(row.index): '\(row.module)' has no variant '\(wanted)'; its variants: "
                                              + all.compactMap(\.variant).joined(separator: ", "), at: row.moduleLocation))
                }
                continue
            }
            guard let chosen = registry.definition(named: row.module) else { continue }
            let others = all.filter { $0.variant != chosen.variant }
                .map { "'\($0.variant ?? "")' (\($0.origin): \($0.summary))" }
            warnings.append(Diagnostic(.note, "'\(row.module)' has \(all.count) definitions; used '\(chosen.variant ?? "")' (\(chosen.origin): \(chosen.summary)), the default",
                                       at: row.moduleLocation,
                                       notes: [.init("others: " + others.joined(separator: "; ")),
                                               .init("choose one with --define \(row.module)=VARIANT; with --weights, the variant whose tensors fit is picked")],
                                       code: "ambiguous-module"))
        }
        var totals = BuildTotals()
        for row in config.layers {
            let node = buildNode(row, config: config, channels: channels, previousC2: previousC2,
                                 context: &context, totals: &totals, diagnostics: &diagnostics)
            if totals.exceeded { return nil }
            if let node { nodes.append(node) }
            channels.append(node?.outChannels)
            previousC2 = node?.outChannels
        }
        diagnostics.append(contentsOf: warnings)
        let errorsAfter = diagnostics.filter { $0.severity == .error }.count
        guard errorsAfter == errorsBefore, nodes.count == config.layers.count else { return nil }
        // Ultralytics' initialize_weights: every nn.BatchNorm2d of a DetectionModel gets eps 1e-3.
        if !context.flags.contains(ModelContext.keepsPyTorchBatchNormEps) {
            for node in nodes {
                for case let bn as BatchNorm2d in node.layer.allModules() { bn.eps = Self.ultralyticsBatchNormEps }
            }
        }
        return Model(config: config, scale: chosenScale, context: context, nodes: nodes, warnings: warnings)
    }

    private func buildNode(_ row: LayerRow, config: ModelConfig, channels: [Int?], previousC2: Int?,
                           context: inout ModelContext, totals: inout BuildTotals,
                           diagnostics: inout [Diagnostic]) -> ModelNode? {
        guard !row.isMalformed else { return nil }
        let i = row.index
        let chosen = variants[row.module].flatMap { registry.definition(named: row.module, variant: $0) }
        guard let definition = chosen ?? registry.definition(named: row.module, dialect: config.dialect) else {
            var notes: [Diagnostic.Note] = []
            let close = registry.suggestions(for: row.module)
            let caseOnly = close.first.map { $0.lowercased() == row.module.lowercased() } ?? false
            if !caseOnly, let known = KnownModules.lookup(row.module), !(known.isGeneric && !close.isEmpty) {
                notes.append(.init(known.hint ?? "run 'layerzoo layers' to list the \(registry.count) registered layers; a plugin can add it (docs/custom-layers.md)"))
                diagnostics.append(.error("layer \(i): unknown module '\(row.module)': \(known.origin), \(known.verdict)",
                                          at: row.moduleLocation, notes: notes, code: "unknown-module"))
                return nil
            }
            if let best = close.first {
                var text = "did you mean '\(best)'?"
                if best.lowercased() == row.module.lowercased() { text += " (module names are case-sensitive)" }
                if close.count > 1 { text += " Other close names: " + close.dropFirst().joined(separator: ", ") }
                notes.append(.init(text))
            } else {
                notes.append(.init("run 'layerzoo layers' to list the \(registry.count) registered layers"))
            }
            diagnostics.append(.error("layer \(i): unknown module '\(row.module)'", at: row.moduleLocation, notes: notes,
                                      code: "unknown-module"))
            return nil
        }
        let role = definition.role
        func fail(_ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) -> ModelNode? {
            diagnostics.append(.error("layer \(i) (\(row.module)): \(message)", at: location, notes: notes))
            return nil
        }

        // from: absolute indices, each an earlier layer (or the image for layer 0).
        guard row.from.count <= limits.maxInputs else {
            return fail("'from' lists \(row.from.count) layers; one layer reads at most \(limits.maxInputs)", at: row.fromLocation)
        }
        var inputs: [Int] = []
        for f in row.from {
            if i == 0 {
                guard f == -1 else {
                    return fail("the first layer reads the input image and must have from -1, found \(f)", at: row.fromLocation)
                }
                inputs.append(-1)
                continue
            }
            let absolute = f < 0 ? i + f : f
            if absolute >= i {
                return fail("'from' refers to layer \(absolute), which is not before layer \(i); only earlier layers can be inputs",
                            at: row.fromLocation)
            }
            if absolute < 0 {
                return fail("'from' \(f) points before the first layer (layer \(i) can reach back at most \(i) layers)",
                            at: row.fromLocation)
            }
            inputs.append(absolute)
        }
        if role.acceptsSeveralInputs {
            guard row.fromIsList else {
                return fail("\(row.module) reads several layers; write 'from' as a list such as [-1, 6]", at: row.fromLocation)
            }
        } else if row.fromIsList {
            return fail("\(row.module) takes one input, but 'from' lists \(row.from.count); use a single index (or Concat the inputs first)",
                        at: row.fromLocation)
        }
        if !definition.readsOutputGroups, let tuple = inputs.first(where: { context.outputGroups[$0] != nil }) {
            let producer = config.layers.indices.contains(tuple) ? config.layers[tuple].module : "it"
            return fail("layer \(tuple) (\(producer)) outputs a tuple of tensors, which \(row.module) cannot read",
                        at: row.fromLocation, notes: [.init("in Ultralytics only CBFuse reads such a layer, picking one tensor of the tuple by index")])
        }
        var inputChannels: [Int] = []
        for input in inputs {
            if input == -1 { inputChannels.append(config.inputChannels); continue }
            guard let c = channels[input] else { return nil }  // that layer already has an error
            inputChannels.append(c)
        }

        // literal_eval of string arguments, and the names parse_model resolves from its locals.
        var written: [ArgValue] = []
        for (j, arg) in row.args.enumerated() {
            guard case .string(let s) = arg else { written.append(arg); continue }
            switch s {
            case "nc":
                guard let nc = context.nc else {
                    return fail("argument 'nc' is used but the file sets no 'nc'", at: row.argLocations[j])
                }
                written.append(.int(nc))
            case ModelDialect.anchorsKey where config.dialect == .yolov5:
                guard let anchors = config.anchors else {
                    return fail("argument 'anchors' is used but the file's 'anchors' is not a list or a number", at: row.argLocations[j])
                }
                written.append(anchors)
            case "reg_max": written.append(.int(context.regMax))
            // parse_model reads the name from its locals: the file's kpt_shape (else 1.0, on
            // which every head that takes it fails).
            case "kpt_shape":
                guard let shape = config.root["kpt_shape"]?.value else {
                    return fail("argument 'kpt_shape' is used but the file sets no 'kpt_shape' (e.g. kpt_shape: [17, 3])",
                                at: row.argLocations[j])
                }
                written.append(shape)
            default: written.append(PythonLiteral.parse(s) ?? arg)
            }
        }
        let arity = definition.yamlArity
        if written.count > arity.upperBound {
            let extra = row.argLocations[min(arity.upperBound, row.argLocations.count - 1)]
            return fail("\(row.module) takes at most \(arity.upperBound) argument\(arity.upperBound == 1 ? "" : "s") \(definition.yamlSignature), got \(written.count)",
                        at: extra)
        }
        if written.count < arity.lowerBound {
            return fail("\(row.module) needs at least \(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s") \(definition.yamlSignature), got \(written.count)",
                        at: row.argsLocation)
        }

        let n: Int
        if row.repeats > 1 {
            let gained = (Double(row.repeats) * context.depth).rounded(.toNearestOrEven)
            guard gained.isFinite, gained <= Double(ModelConfig.maxRepeats) else {
                return fail("\(row.repeats) repeats × depth \(context.depth) gives \(gained), more than \(ModelConfig.maxRepeats)",
                            at: row.repeatsLocation)
            }
            n = max(Int(gained), 1)
        } else {
            n = row.repeats
        }
        var buildCount = n

        // Channel rules.
        var args = written
        var locations = row.argLocations
        var c2: Int
        switch role {
        case .convLike, .cspWithRepeats:
            guard let first = args.first else {
                return fail("\(row.module) needs its output channels as the first argument", at: row.argsLocation)
            }
            guard case .int(let raw) = first, raw >= 1 else {
                return fail("output channels must be a positive integer, found \(first.kindName)", at: locations[0])
            }
            let scaled = min(Double(raw), context.maxChannels) * context.width
            let divisor = Double(context.channelDivisor)
            // YOLOv5's parse_model leaves an output convolution of na * (nc + 5) channels unscaled.
            let divisible = raw == config.yolov5OutputWidth ? Double(raw) : (scaled / divisor).rounded(.up) * divisor
            guard divisible >= 1, divisible <= 65_536, let value = Int(exactly: divisible) else {
                return fail("output channels \(raw) × width \(context.width) gives \(divisible), outside 8 to 65536", at: locations[0])
            }
            c2 = value
            args = [.int(inputChannels[0]), .int(c2)] + args.dropFirst()
            if definition.outputChannelMultiplier != 1 {
                let (out, overflow) = value.multipliedReportingOverflow(by: definition.outputChannelMultiplier)
                guard !overflow, out >= 1, out <= limits.maxChannels else {
                    return fail("output channels \(value) × \(definition.outputChannelMultiplier) exceed \(limits.maxChannels), the limit for one layer",
                                at: locations[0])
                }
                c2 = out
            }
            locations = [row.fromLocation] + locations
            if role == .cspWithRepeats {
                args.insert(.int(n), at: 2)
                locations.insert(row.repeatsLocation, at: min(2, locations.count))
                buildCount = 1
            }
        case .channelKeeping:
            c2 = inputChannels[0]
            args = [.int(c2)] + args
            locations = [row.fromLocation] + locations
        case .concat:
            var sum = 0
            for c in inputChannels {
                let (s, overflow) = sum.addingReportingOverflow(c)
                guard !overflow, s <= limits.maxChannels else {
                    return fail("the inputs' channels add up to more than \(limits.maxChannels), the limit for one layer",
                                at: row.fromLocation,
                                notes: [.init("input channels: " + inputChannels.map(String.init).joined(separator: " + "))])
                }
                sum = s
            }
            c2 = sum
        case .head:
            c2 = previousC2 ?? inputChannels[0]
        case .passthrough:
            c2 = inputChannels[0]
            if let rule = definition.passthroughChannels {
                do throws(LayerError) {
                    c2 = try rule(c2, args)
                } catch {
                    return fail(error.message, at: locations.first ?? row.argsLocation)
                }
                guard c2 >= 1, c2 <= limits.maxChannels else {
                    return fail("gives \(c2) output channels; a layer has 1 to \(limits.maxChannels)", at: locations.first ?? row.argsLocation)
                }
            }
        }
        if let at = definition.repeatsArgumentIndex, role != .cspWithRepeats {
            args.insert(.int(n), at: min(at, args.count))
            locations.insert(row.repeatsLocation, at: min(at, locations.count))
            buildCount = 1
        }
        context.layerIndex = i
        context.inputLayers = inputs
        context.inputChannels = inputChannels
        if let prepare = definition.prepare {
            do throws(LayerError) {
                try prepare(&args, &context)
            } catch {
                return fail(error.message, at: row.argsLocation)
            }
        }
        if let rule = definition.writtenOutputChannels {
            do throws(LayerError) {
                c2 = try rule(args, inputChannels)
            } catch {
                return fail(error.message, at: row.argsLocation)
            }
            guard (1...limits.maxChannels).contains(c2) else {
                return fail("the layer would have \(c2) output channels; from 1 to \(limits.maxChannels) are allowed", at: row.argsLocation)
            }
        }
        if role == .head {
            args.append(.list(inputChannels.map { .int($0) }))
        }
        while locations.count < args.count { locations.append(row.moduleLocation) }

        // Defaults and type checks.
        let specs = definition.arguments
        if args.count > specs.count {
            return fail("\(row.module) takes at most \(specs.count) constructor arguments, got \(args.count)", at: row.argsLocation)
        }
        var values = args
        for spec in specs[args.count...] {
            guard let d = spec.defaultValue else {
                return fail("missing required argument '\(spec.name)' \(definition.yamlSignature)", at: row.argsLocation)
            }
            values.append(d)
        }
        for (k, spec) in specs.enumerated() {
            if let problem = spec.type.mismatch(values[k]) {
                let location = k < locations.count ? locations[k] : row.argsLocation
                return fail("argument '\(spec.name)' must be \(spec.type); \(problem)", at: location)
            }
        }

        let arguments = LayerArguments(specs: specs, values: values, writtenCount: args.count)
        // Checked before anything is built: a row's blocks are its repeats after the depth gain.
        let (blocks, blocksOverflow) = totals.blocks.addingReportingOverflow(max(n, 1))
        guard !blocksOverflow, blocks <= limits.maxBlocks else {
            totals.exceeded = true
            return fail("the model builds more than \(limits.maxBlocks) blocks in all (\(totals.blocks) before this row, \(n) here); refusing to build it",
                        at: row.repeatsLocation)
        }
        totals.blocks = blocks
        let layer: any Layer
        var outChannels = c2
        do throws(LayerError) {
            if let rule = definition.outputChannels { outChannels = try rule(arguments, inputChannels) }
            if let rule = definition.outputGroups {
                let groups = try rule(arguments)
                var sum = 0
                for group in groups {
                    let (s, overflow) = sum.addingReportingOverflow(group)
                    guard !overflow, s <= limits.maxChannels else {
                        throw LayerError("the output groups' channels add up to more than \(limits.maxChannels), the limit for one layer")
                    }
                    sum = s
                }
                outChannels = sum
                context.outputGroups[i] = groups
            }
            var copies: [any Layer] = []
            for _ in 0..<buildCount { copies.append(try definition.make(arguments, context)) }
            layer = copies.count == 1 ? copies[0] : RepeatedLayer(copies)
        } catch {
            var location = row.moduleLocation
            if let name = error.argument, let k = specs.firstIndex(where: { $0.name == name }), k < locations.count {
                location = locations[k]
            }
            let message = error.undeclaredArgument == nil ? error.message
                : "internal error in \(definition.origin): \(definition.name) \(error.message); the model file is not at fault"
            return fail(message, at: location, notes: error.notes.map { .init($0) })
        }
        totals.modules = SaturatingCount.add(totals.modules, layer.allModules().count)
        if totals.modules > limits.maxModules {
            totals.exceeded = true
            return fail("the model has more than \(limits.maxModules) modules in all at this layer; refusing it", at: row.moduleLocation)
        }
        let largest = ZooCPUSettings.maxTensorBytes / MemoryLayout<Float>.stride
        if let (name, p) = layer.namedTensors().first(where: { $0.parameter.count > largest }) {
            return fail("tensor '\(name)' of shape \(Shape.text(p.shape)) has more than \(largest) elements, the backend's limit for one tensor",
                        at: row.moduleLocation)
        }
        let parameters = layer.parameterCount
        totals.parameters = SaturatingCount.add(totals.parameters, parameters)
        if totals.parameters > limits.maxParameters {
            totals.exceeded = true
            return fail("the model reaches more than \(limits.maxParameters) parameters at this layer (\(parameters == Int.max ? "more than Int.max" : String(parameters)) here); refusing it",
                        at: row.moduleLocation)
        }
        return ModelNode(index: i, row: row, inputs: inputs, repeats: n, definition: definition,
                         arguments: args, outChannels: outChannels, layer: layer)
    }
}

extension ModelBuilder {
    /// A multiple as a file writes it (0.33, 1.0).
    static func number(_ x: Double) -> String { ArgValue.float(x).description }
}

/// Running totals of a build, checked against `ModelLimits`.
struct BuildTotals {
    var blocks = 0
    var modules = 0
    var parameters = 0
    /// Set when a total passed its limit: the build stops there.
    var exceeded = false
}
