/**
 * ImageBlock: images as the input of a DataBlock. Files (or bytes) are opened lazily per
 * sample; ToTensor makes uint8 CHW tensors on the CPU; after collation and the move to the
 * device, IntToFloatTensor makes float32 in [0, 1].
 * @module
 */
import type { Tensor } from '../torch/index.js';
import type { BatchContext, BatchTransform, Caption, ItemTransform, ShowOptions, TransformBlock, TypeTransform } from '../data/transform.js';
import { Image } from './image.js';
import { drawGrid } from './show.js';

/** Opens file paths and bytes as {@link Image}s (header only; pixels are decoded by ToTensor). */
export const openImage: TypeTransform = {
  name: 'Image.open',
  apply: (v: unknown) => (v instanceof Image ? v : typeof v === 'string' || v instanceof Uint8Array ? Image.open(v) : badInput(v)),
};

function badInput(v: unknown): never {
  throw new TypeError(`ImageBlock: expected a file path or image bytes, got ${JSON.stringify(v)}; check getX`);
}

/** Item transform: an {@link Image} becomes a uint8 tensor [3, H, W] (decoding it). Order 5. */
export function ToTensor(): ItemTransform {
  return {
    name: 'ToTensor',
    order: 5,
    apply: (v: unknown) => (v instanceof Image ? v.toTensor() : v),
  };
}

/** Options for {@link IntToFloatTensor}. */
export interface IntToFloatTensorOptions {
  /** Divide by this. Default 255. */
  div?: number;
}

/** Batch transform: uint8 image batches become float32 divided by 255 (on the device). Order 10. */
export function IntToFloatTensor(options: IntToFloatTensorOptions = {}): BatchTransform {
  const div = options.div ?? 255;
  return {
    name: 'IntToFloatTensor',
    order: 10,
    apply: (batch: Tensor[], ctx: BatchContext) =>
      batch.map((t, i) => (ctx.kinds[i] === 'image' && !t.isFloatingPoint() ? t.float().div_(div) : t)), // in place: one pass less
    describe: () => `{div: ${div}}`,
  };
}

/** The block for image inputs (fastai's `ImageBlock`). */
export class ImageBlockImpl implements TransformBlock {
  readonly name = 'ImageBlock';
  readonly kind = 'image';
  readonly lazy = true;
  readonly typeTfms = [openImage];
  readonly itemTfms = [ToTensor()];
  readonly batchTfms = [IntToFloatTensor()];

  /** Draws images [N, C, H, W] in [0, 1] with captions (see drawGrid). */
  showGrid(x: Tensor, captions: readonly (readonly Caption[])[], options: ShowOptions): Promise<Buffer> {
    return drawGrid(x, captions, options);
  }
}

/**
 * Image inputs: opened with sharp by content (JPEG, PNG, GIF, WebP, TIFF, ...), EXIF
 * orientation applied, converted to 8-bit RGB. Adds ToTensor (item) and IntToFloatTensor (batch).
 */
export function ImageBlock(): ImageBlockImpl {
  return new ImageBlockImpl();
}
