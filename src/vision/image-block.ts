/**
 * ImageBlock: images as the input of a DataBlock. Files (or bytes) are opened lazily per
 * sample; ToTensor makes uint8 CHW tensors on the CPU; after collation and the move to the
 * device, IntToFloatTensor makes float32 in [0, 1].
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { CollateError, defaultCollate } from '../data/collate.js';
import type { BatchContext, BatchTransform, Caption, Collated, ItemContext, ItemTransform, ShowOptions, TransformBlock, TypeTransform } from '../data/transform.js';
import { registerSpec, type TransformSpec } from '../data/spec.js';
import { DeferredResize, Image } from './image.js';
import { canDeferEnlarge, ResamplePlan } from './resample-plan.js';
import { drawGrid } from './show.js';

/** Opens file paths and bytes as {@link Image}s (header only; pixels are decoded by ToTensor). */
export const openImage: TypeTransform = {
  name: 'Image.open',
  apply: (v: unknown) => (v instanceof Image ? v : typeof v === 'string' || v instanceof Uint8Array ? Image.open(v) : badInput(v)),
};

function badInput(v: unknown): never {
  throw new TypeError(`ImageBlock: expected a file path or image bytes, got ${JSON.stringify(v)}; check getX`);
}

/**
 * Item transform: an {@link Image} becomes a uint8 tensor [3, H, W] (decoding it). Order 5.
 * When the batch transforms will resample the batch anyway (see `canDeferEnlarge`), an image
 * whose last step enlarges it is decoded at its smaller size instead, as a
 * {@link DeferredResize} for the batch resample.
 */
export function ToTensor(): ItemTransform {
  return {
    name: 'ToTensor',
    order: 5,
    spec: () => ({ type: 'ToTensor' }),
    apply: (v: unknown, ctx?: ItemContext) => (v instanceof Image ? (ctx && canDeferEnlarge(ctx.batchTfms) ? v.toDeferredTensor() : v.toTensor()) : v),
  };
}

/**
 * Collates image tensors, some of which may still wait for their enlargement: every item goes
 * into the top-left of a zero batch tensor as large as the largest item, and the result's
 * layout is a {@link ResamplePlan} with each item's size, for the resample that enlarges them.
 */
export function collateImages(values: readonly unknown[]): Tensor | Collated {
  const deferred = values.filter((v): v is DeferredResize => v instanceof DeferredResize);
  if (deferred.length === 0) return defaultCollate(values);
  const tensors = values.map((v) => (v instanceof DeferredResize ? v.tensor : (v as Tensor)));
  const target = deferred[0]!.size;
  const targets = values.map((v) => (v instanceof DeferredResize ? v.size : ([(v as Tensor).shape[1]!, (v as Tensor).shape[2]!] as const)));
  const shapes = targets.map(([h, w]) => `[3, ${h}, ${w}]`);
  if (targets.some(([h, w]) => h !== target[0] || w !== target[1])) {
    throw new CollateError(
      `It's not possible to collate the items in a batch: the images stand for different sizes: ${shapes.join(', ')}. ` +
        'Make every item the same size with an item transform, e.g. itemTfms: [Resize(460)] (or RandomResizedCrop)',
      0,
      shapes,
    );
  }
  const sizes = tensors.map((t) => [t.shape[1]!, t.shape[2]!] as const);
  const [ch, cw] = [Math.max(...sizes.map((s) => s[0])), Math.max(...sizes.map((s) => s[1]))];
  const batch = torch.zeros([values.length, 3, ch, cw], { dtype: 'uint8' });
  torch.tidy(() => tensors.forEach((t, i) => batch.select(0, i).narrow(1, 0, sizes[i]![0]).narrow(2, 0, sizes[i]![1]).copy_(t)));
  return { tensor: batch, layout: new ResamplePlan(target, sizes) };
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
    spec: () => ({ type: 'IntToFloatTensor', options: { div } }),
    pointwise: true,
  };
}

/** The block for image inputs (made by {@link ImageBlock}). */
export interface ImageBlock extends TransformBlock {
  readonly kind: 'image';
  collate(values: readonly unknown[]): Tensor | Collated;
  show(x: Tensor, captions: readonly (readonly Caption[])[], options: ShowOptions): Promise<Buffer>;
}

class ImageBlockImpl implements ImageBlock {
  readonly name = 'ImageBlock';
  readonly kind = 'image';
  readonly lazy = true;
  readonly typeTfms = [openImage];
  readonly itemTfms = [ToTensor()];
  readonly batchTfms = [IntToFloatTensor()];

  collate(values: readonly unknown[]): Tensor | Collated {
    return collateImages(values);
  }

  /** `{ type: 'ImageBlock' }`: it has no settings. */
  spec(): TransformSpec {
    return { type: 'ImageBlock' };
  }

  /** Draws images [N, C, H, W] in [0, 1] with captions in a grid, PNG or SVG (see drawGrid). */
  show(x: Tensor, captions: readonly (readonly Caption[])[], options: ShowOptions): Promise<Buffer> {
    return drawGrid(x, captions, options);
  }
}

/**
 * Image inputs: opened with sharp by content (JPEG, PNG, GIF, WebP, TIFF, ...), EXIF
 * orientation applied, converted to 8-bit RGB. Adds ToTensor (item) and IntToFloatTensor (batch).
 */
export function ImageBlock(): ImageBlock {
  return new ImageBlockImpl();
}

registerSpec('ImageBlock', () => ImageBlock());
registerSpec('ToTensor', () => ToTensor());
registerSpec('IntToFloatTensor', (o) => IntToFloatTensor(o as IntToFloatTensorOptions));
