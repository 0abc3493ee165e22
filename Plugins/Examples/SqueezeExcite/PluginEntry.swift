import LayerZoo

/// The C entry point `layerzoo --plugin libSqueezeExcite.so` calls.
@_cdecl("layerzoo_plugin_register")
public func layerzooPluginRegister(_ registrar: UnsafeMutableRawPointer, _ hostVersion: Int32,
                                   _ pluginVersion: UnsafeMutablePointer<Int32>) -> Int32 {
    PluginRegistrar.handle(registrar, hostVersion: hostVersion, pluginVersion: pluginVersion) {
        SqueezeExcitePlugin.definitions
    }
}
