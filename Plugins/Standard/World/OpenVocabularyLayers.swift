import LayerZoo

/// The open-vocabulary layers: YOLO-World's (`C2fAttn`, `ImagePoolingAttn`, `WorldDetect`)
/// and YOLOE's heads. They read the class (text) embeddings, a model input beside the image
/// (`ClassEmbeddings`): LayerZoo has no CLIP text encoder to compute them.
enum OpenVocabularyLayers {
    static var definitions: [LayerDefinition] {
        [C2fAttn.definition, ImagePoolingAttn.definition, WorldDetect.definition, YOLOEDetect.definition,
         YOLOESegment.definition, YOLOESegment.definition26]
    }
}
