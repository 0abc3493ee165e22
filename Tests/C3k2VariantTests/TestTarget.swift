import Foundation
import LayerZooC3k2Variants
import LayerZooCondConv
import LayerZooDBB
import LayerZooTestSupport

/// Standard layers plus the C3k2 variants, DBB and CondConv plugins' (qiang's Bi_FPN file has
/// C3k2_DynamicConv rows), each name's first variant the default.
let plugin = PluginTestTarget(bundle: .module, generator: "gen_c3k2_variant_fixtures.py") { r in
    try C3k2VariantLayers.register(into: &r)
    try DBBLayers.register(into: &r)
    try CondConvLayers.register(into: &r)
}
