import LayerZoo

/// RT-DETR's backbone and encoder layers (rtdetr-l/-x with PP-HGNetV2, rtdetr-resnet50/101
/// with ResNetLayer): HGStem, HGBlock, AIFI and RepC3.
enum RTDETRLayers {
    static var definitions: [LayerDefinition] {
        [HGStem.definition, HGBlock.definition, AIFI.definition, RepC3.definition]
    }
}
