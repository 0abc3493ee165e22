import LayerZoo

/// `nn.ModuleList` of modules that are not unary (children "0", "1", ...).
final class ModuleList: Module {
    let modules: [any Module]
    init(_ modules: [any Module]) { self.modules = modules }
    var children: [(name: String, module: any Module)] { modules.enumerated().map { (String($0.offset), $0.element) } }
}
