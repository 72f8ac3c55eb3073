/**
 * The vision layer: images (sharp), item transforms, batch augmentation, normalisation,
 * grids of images, ImageDataLoaders, and the architectures with their pretrained weights.
 * @module
 */
export { DeferredResize, Image, ImageReadError, type Box, type Kernel, type PadMode, type RawImage } from './image.js';
export {
  clearHeaderCache, clearPixelCache, colourMode, MAX_CACHED_IMAGE_BYTES, pixelCacheEnabled, pixelCacheStats, setColourMode, setPixelCacheLimit, type ColourMode,
} from './image-source.js';
export { checkDecodeThreads, decodeThreads, recommendedDecodeThreads } from './decode-threads.js';
export { collateImages, ImageBlock, IntToFloatTensor, openImage, ToTensor, type IntToFloatTensorOptions } from './image-block.js';
export { canDeferEnlarge, ResamplePlan, type PlanResampler } from './resample-plan.js';
export { Resize, sizeHW, type ResizeOptions, type ResizeTransform, type Size } from './resize.js';
export { checkRatio, RandomResizedCrop, randomCropBox, type RandomResizedCropOptions } from './random-resized-crop.js';
export {
  affineCoord, composeMats, cropMat, dihedralMat, flipMat, identityMat, matmul3, rotateMat, warpMat, zoomMat,
  type AffineCoordOptions, type Mat3,
} from './affine.js';
export { AffineAug, augTransforms, type AffineAugTransform, type AffineParams, type AugTransformsOptions } from './augment.js';
export { Lighting, type LightingOptions, type LightingParams, type LightingTransform } from './lighting.js';
export { imagenetStats, inceptionStats, Normalize, type NormalizationStats, type NormalizeTransform } from './normalize.js';
export { drawGrid } from './show.js';
export { ImageDataLoaders, type FromCsvOptions, type FromFolderOptions, type ImageDataLoadersOptions } from './image-data-loaders.js';
export { verifyImages } from './verify-images.js';
export * from './models/index.js';
