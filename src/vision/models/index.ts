/**
 * Vision architectures, pretrained weights and fastai's transfer-learning model.
 * @module
 */
export { type ArchOptions, type ArchSpec, type Cut, type ParamSplitter, type WeightsSource } from './arch.js';
export { AdaptiveConcatPool2d } from './adaptive-concat-pool.js';
export { Conv2dSame, tfSamePadding } from './conv2d-same.js';
export { createHead, type HeadOptions } from './create-head.js';
export { fetchWeights, loadPretrained } from './load-pretrained.js';
export { MobileNetV1, type MobileNetV1Options, mobilenetV1 } from './mobilenet-v1.js';
export { numParams } from './num-params.js';
export { archNames, getArch, registerArch } from './registry.js';
export { mnistStats, SIMPLE_CNN_WIDTHS, SimpleCNN, simpleCnn } from './simple-cnn.js';
export { BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50 } from './resnet.js';
export { defaultSplit, mobilenetV1Split, noSplit, resnetSplit, splitBodyAt } from './splitters.js';
export {
  createBody, createVisionModel, numFeaturesModel, rebuildVisionModel, VisionModel,
  type HeadConfig, type VisionModelConfig, type VisionModelOptions,
} from './vision-model.js';
export { loadWeightsFile, resolveWeights, resolveWeightsSync, weightsCacheDir, type WeightsOptions } from './weights.js';
export { WEIGHTS } from './weights-zoo.js';
