import Foundation
import LayerZooSCNet
import LayerZooTestSupport

/// Standard layers plus the SCNet plugin's (each name's first variant, `scnet`, the default).
let plugin = PluginTestTarget(bundle: .module, generator: "gen_scnet_fixtures.py") { r in try SCNetLayers.register(into: &r) }
