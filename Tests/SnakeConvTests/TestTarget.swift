import Foundation
import LayerZooSnakeConv
import LayerZooTestSupport

/// Standard layers plus the SnakeConv plugin's.
let plugin = PluginTestTarget(bundle: .module, generator: "gen_snakeconv_fixtures.py") { r in try SnakeConvLayers.register(into: &r) }
