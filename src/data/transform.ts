/**
 * The generic transform and block interfaces the data pipeline runs. The data layer knows
 * nothing about images: an image block (src/vision) plugs in through these, as fastai's
 * `TransformBlock` does.
 *
 * A sample flows: item -> getter (getX/getY) -> the block's type transforms (e.g. open the
 * image, encode the label) -> item transforms (CPU, per sample, e.g. Resize, ToTensor) ->
 * collate into a batch -> move to the device -> batch transforms (on the engine, e.g.
 * augmentation, Normalize).
 * @module
 */
import type { Tensor } from '../torch/index.js';
import type { Rng } from './random.js';
import type { TransformSpec } from './spec.js';

/** Which subset a sample or batch comes from: random transforms only act on 'train'. */
export type Split = 'train' | 'valid';

/** A transform from a getter's output to the value the item pipeline starts from (fastai's type transforms). */
export interface TypeTransform {
  /** Shown by `summary()`. */
  readonly name: string;
  /** Converts one value (may be asynchronous, e.g. reading an image header). */
  apply(value: unknown): unknown;
  /** Learns state from the training values (e.g. Categorize's vocab); called once, before any apply. */
  setup?(trainValues: readonly unknown[]): void;
  /** The reverse of apply for display (e.g. a category index back to its label). */
  decode?(value: unknown): unknown;
  /** Describes it as JSON for an export (see `registerSpec`); absent: it cannot be exported. */
  spec?(): TransformSpec;
}

/** What an item transform knows about the sample it transforms. */
export interface ItemContext {
  readonly split: Split;
  /** This sample's own generator: a function of (seed, epoch, item), so results do not depend on load order. */
  readonly rng: Rng;
  /**
   * The batch transforms that will run on this sample's batch, sorted by order (the same array
   * for every sample of a pipeline). Lets an item transform leave work to them, e.g. ImageBlock
   * leaves an enlargement to the batch resample.
   */
  readonly batchTfms: readonly BatchTransform[];
}

/** A per-sample transform on the CPU (fastai's item_tfms). Applied to every element of the sample tuple. */
export interface ItemTransform {
  readonly name: string;
  /** Lower runs first (fastai: Resize 1, ToTensor 5). */
  readonly order: number;
  /** Transforms one element; returns elements it does not handle unchanged. May be asynchronous. */
  apply(value: unknown, ctx: ItemContext): unknown;
  /** A short description of the settings, for `summary()`. */
  describe?(): string;
  /** Describes it as JSON for an export (see `registerSpec`); absent: it cannot be exported. */
  spec?(): TransformSpec;
}

/** What a batch transform knows about the batch. */
export interface BatchContext {
  readonly split: Split;
  /** This batch's own generator: a function of (seed, epoch, batch index). */
  readonly rng: Rng;
  /** What each tensor of the batch holds, from its block: e.g. `['image', 'category']`. */
  readonly kinds: readonly string[];
  /**
   * Per batch tensor, what its block's `collate` said about how the tensor is laid out (see
   * {@link Collated.layout}); opaque to the data layer. The pipeline passes it to pointwise
   * transforms and to the first transform that is not pointwise, which must honour it, and
   * drops it after that one (the layout it described is gone).
   */
  readonly layouts?: readonly unknown[];
}

/**
 * A per-batch transform on the engine (fastai's batch_tfms), synchronous. The loader runs the
 * chain inside `torch.tidy`, so a transform may create intermediates freely and must not
 * dispose its inputs.
 */
export interface BatchTransform {
  readonly name: string;
  /** Lower runs first (fastai: IntToFloatTensor 10, augmentation 30-40, Normalize 99). */
  readonly order: number;
  /** Transforms the batch's tensors (those of the kinds it handles) and returns the batch. */
  apply(batch: Tensor[], ctx: BatchContext): Tensor[];
  /** Undoes what can be undone for display (e.g. Normalize). */
  decode?(batch: Tensor[], ctx: BatchContext): Tensor[];
  describe?(): string;
  /**
   * Works on each element independently of its position (IntToFloatTensor, Lighting,
   * Normalize), so the layout a block described at collation still holds after it. Default false.
   */
  readonly pointwise?: boolean;
  /** Describes it as JSON for an export (see `registerSpec`); absent: it cannot be exported. */
  spec?(): TransformSpec;
}

/** A block's collation result when it has something to say about the tensor's layout. */
export interface Collated {
  readonly tensor: Tensor;
  /**
   * What the batch transforms need to know about how `tensor` is laid out, opaque to the data
   * layer (ImageBlock: images not yet enlarged to their size). Reaches them as
   * `BatchContext.layouts`. Its `toString()` is what `summary()` prints.
   */
  readonly layout?: unknown;
}

/** Options for showing a grid of samples (`showBatch`); the input block may add its own (ImageBlock: `cellSize`). */
export interface ShowOptions {
  /** Rows of the grid. Default 3. */
  nrows?: number;
  /** Columns of the grid. Default 3. */
  ncols?: number;
  /** Write the image here too (missing folders are created). Default: only return it. */
  file?: string;
  /** The encoding: 'png' or 'svg'. Default: 'svg' when `file` ends in `.svg`, else 'png'. */
  format?: 'png' | 'svg';
}

/** A caption for one cell of a grid, with an optional colour (CSS name or #hex). */
export interface Caption {
  text: string;
  color?: string;
}

/**
 * One kind of data in a sample (fastai's `TransformBlock`): how to build it from a getter's
 * output, its default item/batch transforms, how to batch it and how to show it.
 */
export interface TransformBlock {
  /** E.g. 'ImageBlock'. */
  readonly name: string;
  /** What batch transforms match on, e.g. 'image' or 'category'. */
  readonly kind: string;
  readonly typeTfms: readonly TypeTransform[];
  /** Added to the DataBlock's item transforms (e.g. ToTensor). */
  readonly itemTfms?: readonly ItemTransform[];
  /** Added to the DataBlock's batch transforms (e.g. IntToFloatTensor). */
  readonly batchTfms?: readonly BatchTransform[];
  /**
   * Run the type transforms per sample when it is loaded (images) instead of once for every
   * item when the datasets are built (labels: cheap, and needed up front for the vocab).
   * Default false.
   */
  readonly lazy?: boolean;
  /** Makes one tensor from the samples' values. Default: stack tensors, or an int64 tensor of numbers. */
  collate?(values: readonly unknown[]): Tensor | Collated;
  /** A display string for one element of a decoded batch tensor (e.g. the label of a category index). */
  caption?(batch: Tensor, i: number): string;
  /** The vocabulary, for category blocks. */
  readonly vocab?: readonly string[];
  /** Shows decoded batch items `x` with a caption each, as a PNG (ImageBlock: a grid of the images). */
  show?(x: Tensor, captions: readonly (readonly Caption[])[], options: ShowOptions): Promise<Buffer>;
  /** Describes it as JSON for an export (see `registerSpec`); absent: it cannot be exported. */
  spec?(): TransformSpec;
}

/** A short display form for a value in `summary()` and error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `(${value.map(describeValue).join(', ')})`;
  if (typeof value === 'object' && 'shape' in value && 'dtype' in value && '_h' in value) {
    const t = value as unknown as Tensor;
    return `Tensor ${t.dtype} of size ${t.shape.join('x')}`;
  }
  if (Buffer.isBuffer(value)) return `Buffer of ${value.length} bytes`;
  const s = String(value);
  return s === '[object Object]' ? JSON.stringify(value) : s;
}
