import Foundation
import LayerZooCondConv
import LayerZooTestSupport

/// Standard layers plus the CondConv plugin's (each name's first variant, `condconv`, the default).
let plugin = PluginTestTarget(bundle: .module, generator: "gen_condconv_fixtures.py") { r in try CondConvLayers.register(into: &r) }
