/**
 * Collation: turning a list of samples into a batch, one tensor per block.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import type { Collated, TransformBlock } from './transform.js';
import { describeValue } from './transform.js';

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && '_h' in v && 'shape' in v;
}

/** Thrown when the items of a batch cannot be collated; `shapes` lists each item's shape. */
export class CollateError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly shapes: readonly string[],
  ) {
    super(message);
    this.name = 'CollateError';
  }
}

/**
 * Stacks tensors of one shape into a batch; numbers become an int64 (integers) or float32
 * tensor. Tensors of different shapes throw a {@link CollateError} listing the shapes.
 */
export function defaultCollate(values: readonly unknown[], position = 0): Tensor {
  if (values.length === 0) throw new RangeError('collate: no items to collate');
  if (values.every(isTensor)) {
    const shapes = values.map((t) => `[${t.shape.join(', ')}]`);
    if (new Set(shapes).size > 1) {
      const distinct = [...new Set(shapes)];
      throw new CollateError(
        `It's not possible to collate the items in a batch: the ${ordinal(position)} elements of the samples have different shapes: ` +
          `${shapes.join(', ')} (first differing: ${distinct[0]} and ${distinct[1]}). ` +
          'Make every item the same size with an item transform, e.g. itemTfms: [Resize(460)] (or RandomResizedCrop)',
        position,
        shapes,
      );
    }
    return torch.stack(values as Tensor[]);
  }
  if (values.every((v) => typeof v === 'number')) {
    const nums = values as number[];
    return nums.every(Number.isInteger) ? torch.tensor(BigInt64Array.from(nums, (n) => BigInt(n))) : torch.tensor(Float32Array.from(nums));
  }
  const bad = values.find((v) => !isTensor(v) && typeof v !== 'number');
  throw new CollateError(
    `It's not possible to collate the items in a batch: the ${ordinal(position)} elements of the samples must be tensors or numbers, got ${describeValue(bad)}. ` +
      'Add an item transform that makes tensors (e.g. ToTensor, which ImageBlock adds by default)',
    position,
    [],
  );
}

function ordinal(i: number): string {
  return `${i}-th`;
}

/** A collated batch: one tensor per block, and what each block said about its tensor's layout (see {@link Collated.layout}). */
export interface CollatedBatch {
  batch: Tensor[];
  layouts: unknown[];
}

/** Collates samples (one value per block) into one tensor per block, using each block's own collate when it has one. */
export function collateSamples(samples: readonly (readonly unknown[])[], blocks: readonly TransformBlock[]): CollatedBatch {
  const collated = torch.tidy(() => blocks.map((block, b): Collated => {
    const values = samples.map((s) => s[b]);
    const out = block.collate && !values.every(isTensor) ? block.collate(values) : defaultCollate(values, b);
    return isTensor(out) ? { tensor: out } : out;
  }));
  return { batch: collated.map((c) => c.tensor), layouts: collated.map((c) => c.layout) };
}

/** Disposes what samples hold (tensors, and other values with a dispose method): after collation the loader owns and frees them. */
export function disposeSamples(samples: readonly (readonly unknown[] | null)[]): void {
  for (const s of samples) {
    if (!s) continue;
    for (const v of s) {
      if (typeof v === 'object' && v !== null && typeof (v as { dispose?: unknown }).dispose === 'function') (v as { dispose(): void }).dispose();
    }
  }
}
