import Foundation
import LayerZooDBB
import LayerZooSlimNeck
import LayerZooTestSupport

/// Standard layers plus the SlimNeck and DBB plugins' (YOLO-MIF's slim-neck file has C2f_DBB rows).
let plugin = PluginTestTarget(bundle: .module, generator: "gen_slimneck_fixtures.py") { r in
    try SlimNeckLayers.register(into: &r)
    try DBBLayers.register(into: &r)
}
