/**
 * Pipeline: what turns a dataset's samples into batches, in one place. It owns the item and
 * batch transforms (sorted once by order), makes their contexts, and runs the steps: the item
 * transforms on a sample, collation, the move to the device, the batch transforms, and decoding
 * for display. DataLoader, `summary()`, `testDl` and `addTfms` all go through it, so what
 * `summary()` prints is what the loader does.
 *
 * An optional observer sees every step (its input and output, or its error): `summary()` prints
 * them; training callbacks can watch the same seam.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { type CollatedBatch, collateSamples, disposeSamples } from './collate.js';
import { Rng, Stream } from './random.js';
import type { BatchContext, BatchTransform, ItemContext, ItemTransform, Split, TransformBlock } from './transform.js';

/** The stages of a {@link Pipeline}, in the order they run. */
export type PipelineStage = 'item' | 'collate' | 'device' | 'batch';

/** One step of a {@link Pipeline}, as an observer sees it. */
export interface PipelineStep {
  readonly stage: PipelineStage;
  /** The transform that ran ('item' and 'batch' stages). */
  readonly transform?: ItemTransform | BatchTransform;
  /** What the step was given: the sample ('item'), the samples ('collate'), or the batch's tensors. */
  readonly input: readonly unknown[];
  /** What it returned; absent when it failed. */
  readonly output?: readonly unknown[];
  /** 'collate': what each block said about its tensor's layout (see `Collated.layout`). */
  readonly layouts?: readonly unknown[];
  /** Why the step failed (the error is rethrown after the observer sees it). */
  readonly error?: unknown;
}

/**
 * Sees each step of a pipeline as it happens. Synchronous; batch-stage tensors are only valid
 * during the call (the pipeline frees intermediates), so read what you need then.
 */
export type PipelineObserver = (step: PipelineStep) => void;

/** Item and batch transforms for {@link Pipeline.create}. */
export interface PipelineTransforms {
  itemTfms?: readonly ItemTransform[];
  batchTfms?: readonly BatchTransform[];
}

function sortByOrder<T extends { order: number }>(tfms: readonly T[]): readonly T[] {
  return Object.freeze([...tfms].sort((a, b) => a.order - b.order)); // stable: equal orders keep their given order
}

/**
 * The blocks of a sample and the transforms that make batches from it. Immutable: adding
 * transforms gives a new pipeline ({@link Pipeline.withTfms}).
 */
export class Pipeline {
  /** What each batch tensor holds, from its block: e.g. `['image', 'category']`. */
  readonly kinds: readonly string[];

  private constructor(
    readonly blocks: readonly TransformBlock[],
    /** Per-sample CPU transforms, sorted by order. */
    readonly itemTfms: readonly ItemTransform[],
    /** Per-batch engine transforms, sorted by order. */
    readonly batchTfms: readonly BatchTransform[],
  ) {
    this.kinds = Object.freeze(blocks.map((b) => b.kind));
  }

  /** A pipeline for `blocks`: their own default transforms (e.g. ToTensor) plus `tfms`, sorted by order. */
  static create(blocks: readonly TransformBlock[], tfms: PipelineTransforms = {}): Pipeline {
    return new Pipeline(
      blocks,
      sortByOrder([...blocks.flatMap((b) => b.itemTfms ?? []), ...(tfms.itemTfms ?? [])]),
      sortByOrder([...blocks.flatMap((b) => b.batchTfms ?? []), ...(tfms.batchTfms ?? [])]),
    );
  }

  /** The same transforms over other blocks (e.g. the inputs alone, for inference); nothing is re-added. */
  withBlocks(blocks: readonly TransformBlock[]): Pipeline {
    return new Pipeline(blocks, this.itemTfms, this.batchTfms);
  }

  /** A pipeline with `tfms` added to the item or batch transforms (kept sorted). */
  withTfms(tfms: readonly (ItemTransform | BatchTransform)[], event: 'item' | 'batch'): Pipeline {
    return event === 'item'
      ? new Pipeline(this.blocks, sortByOrder([...this.itemTfms, ...(tfms as ItemTransform[])]), this.batchTfms)
      : new Pipeline(this.blocks, this.itemTfms, sortByOrder([...this.batchTfms, ...(tfms as BatchTransform[])]));
  }

  /** The context of sample `i` in epoch `epoch`: its own generator, keyed so results do not depend on load order. */
  itemContext(split: Split, seed: number, epoch: number, i: number): ItemContext {
    return { split, rng: Rng.fromKeys(seed, Stream.item, epoch, i), batchTfms: this.batchTfms };
  }

  /** The context of batch `b` in epoch `epoch`. */
  batchContext(split: Split, seed: number, epoch: number, b: number): BatchContext {
    return { split, rng: Rng.fromKeys(seed, Stream.batch, epoch, b), kinds: this.kinds };
  }

  /**
   * Runs the item transforms on one sample (each transform on every element). On failure frees
   * what the sample holds and rethrows.
   */
  async applyItem(sample: readonly unknown[], ctx: ItemContext, observe?: PipelineObserver): Promise<unknown[]> {
    let current = [...sample];
    for (const tfm of this.itemTfms) {
      const input = current;
      const settled = await Promise.allSettled(input.map((v) => tfm.apply(v, ctx)));
      const next = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        observe?.({ stage: 'item', transform: tfm, input, error: failed.reason });
        // free what this sample already holds: its values and what the other elements made
        disposeSamples([input, next.filter((v) => !input.includes(v))]);
        throw failed.reason;
      }
      observe?.({ stage: 'item', transform: tfm, input, output: next });
      current = next;
    }
    return current;
  }

  /** Collates samples into one tensor per block (see collateSamples). */
  collate(samples: readonly (readonly unknown[])[], observe?: PipelineObserver): CollatedBatch {
    try {
      const collated = collateSamples(samples, this.blocks);
      observe?.({ stage: 'collate', input: samples, output: collated.batch, layouts: collated.layouts });
      return collated;
    } catch (e) {
      observe?.({ stage: 'collate', input: samples, error: e });
      throw e;
    }
  }

  /**
   * Moves a collated batch to `device` and runs the batch transforms. Run it inside
   * `torch.tidy` (as {@link makeBatch} does): intermediates are not freed here.
   */
  applyBatch(collated: CollatedBatch, ctx: BatchContext, device: string, observe?: PipelineObserver): Tensor[] {
    let batch = collated.batch.map((t) => (t.device === device ? t : t.toDevice(device)));
    observe?.({ stage: 'device', input: collated.batch, output: batch });
    let layouts: readonly unknown[] | undefined = collated.layouts.some((l) => l !== undefined) ? collated.layouts : undefined;
    for (const tfm of this.batchTfms) {
      const input = batch;
      try {
        batch = tfm.apply(input, layouts ? { ...ctx, layouts } : ctx);
      } catch (e) {
        observe?.({ stage: 'batch', transform: tfm, input, error: e });
        throw e;
      }
      observe?.({ stage: 'batch', transform: tfm, input, output: batch });
      if (!tfm.pointwise) layouts = undefined; // this transform changed the layout the blocks described
    }
    return batch;
  }

  /** Collates `samples`, moves them to `device` and runs the batch transforms; frees the samples. */
  makeBatch(samples: readonly (readonly unknown[])[], ctx: BatchContext, device: string, observe?: PipelineObserver): Tensor[] {
    try {
      return torch.tidy(() => this.applyBatch(this.collate(samples, observe), ctx, device, observe));
    } finally {
      disposeSamples(samples);
    }
  }

  /** Undoes the batch transforms that can be undone (e.g. Normalize), on the CPU, for display. Returns new tensors. */
  decode(batch: readonly Tensor[], ctx: BatchContext): Tensor[] {
    return torch.tidy(() => {
      let b = [...batch];
      for (let k = this.batchTfms.length - 1; k >= 0; k--) {
        const tfm = this.batchTfms[k]!;
        if (tfm.decode) b = tfm.decode(b, ctx);
      }
      return b.map((t) => t.cpu());
    });
  }
}
