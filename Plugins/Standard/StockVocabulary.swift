import LayerZoo

extension StandardLayers {
    /// The rest of Ultralytics' classic vocabulary: the `torch.nn` rows parse_model resolves by
    /// name, SPP, DWConv, Ghost blocks, transposed convolutions, Focus, the older CSP blocks
    /// and the ResNet stages of the classifiers.
    static var stockVocabulary: [LayerDefinition] {
        TorchActivation.definitions + Identity.definitions
            + [MaxPool2d.definition, AvgPool2d.definition, ZeroPad2d.definition, ConvTranspose2dLayer.definition,
               SPP.definition, Conv.dwConvDefinition, GhostConv.definition, GhostBottleneck.definition, C3.ghostDefinition,
               ConvTranspose.definition, DWConvTranspose2d.definition, Focus.definition, LightConv.definition,
               C1.definition, C3.crossDefinition, C3.transformerDefinition, BottleneckCSP.definition, ResNetLayer.definition, Conv2.definition]
            + CBAM.definitions + [TorchBatchNorm2d.definition]
    }
}
