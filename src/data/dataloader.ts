/**
 * DataLoader: an async iterable of batches. The samples of the next `prefetch` batches are
 * submitted at once: sharp queues their decodes on libuv's thread pool, whose threads work
 * through them while the engine holds the main thread for a training step, so loading overlaps
 * training and memory stays bounded (at most `prefetch` batches ahead). Collation, the move to
 * the device and the batch transforms happen when the consumer takes the batch.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { collateSamples, disposeSamples } from './collate.js';
import type { Dataset } from './datasets.js';
import { Limiter } from './limiter.js';
import { Rng, Stream } from './random.js';
import { type BatchContext, type BatchTransform, canDeferEnlarge, describeValue, type ItemTransform, type TransformBlock } from './transform.js';

/** Options for a {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch. Default 64. */
  bs?: number;
  /** Reshuffle the order every epoch. Default false (DataLoaders turns it on for training). */
  shuffle?: boolean;
  /** Drop the last, smaller batch of an epoch. Default false (DataLoaders turns it on for training). */
  dropLast?: boolean;
  /**
   * Seed of the order and of every random item/batch transform: epoch e of the same seed gives
   * the same batches on every run. Default: drawn from the engine's generator when the loader
   * is made, so `torch.manualSeed(n)` beforehand makes a run reproducible.
   */
  seed?: number;
  /**
   * The most samples being loaded at once (queued on, or running in, libuv's thread pool).
   * How many decode in parallel is the pool's thread count, `UV_THREADPOOL_SIZE` (default 4;
   * set it in the environment before Node starts). Submitting more than that keeps the pool
   * busy while a long synchronous training step holds the main thread (a finished decode can
   * only start the next one when JavaScript runs). 0 loads each batch when it is asked for, one
   * sample at a time (no overlap; for debugging). Default: every sample of the `prefetch`
   * batches ahead (bs x prefetch).
   */
  numWorkers?: number;
  /** Batches loaded ahead of the consumer (with numWorkers > 0). Default 2. */
  prefetch?: number;
  /** Where batches go: 'cpu', 'cuda', 'cuda:1'. Default: 'cuda' when available, else 'cpu'. */
  device?: string;
}

/** The transforms and blocks a loader applies (shared by a DataLoaders' loaders). */
export interface LoaderPipeline {
  blocks: readonly TransformBlock[];
  itemTfms: ItemTransform[];
  batchTfms: BatchTransform[];
}

/** A batch: one tensor per block, e.g. `[x, y]`. The consumer owns it and must dispose it. */
export type Batch = Tensor[];

/** The size of libuv's thread pool, which runs sharp's decodes: `UV_THREADPOOL_SIZE`, default 4. */
export function threadPoolSize(): number {
  return Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4);
}

/** 'cuda' when the engine sees a GPU, else 'cpu'. */
export function defaultDevice(): string {
  return torch.cuda.isAvailable() ? 'cuda' : 'cpu';
}

/** A seed drawn from the engine's global generator (so torch.manualSeed governs it). */
export function drawSeed(): number {
  return torch.tidy(() => torch.randint(0, 2147483647, [1]).item());
}

/** A sample that could not be built, with why. */
interface Skipped {
  item: string;
  reason: string;
}

/**
 * Batches from a {@link Dataset}: `for await (const [x, y] of dl) { ...; x.dispose(); y.dispose(); }`.
 * Each iteration is one epoch; the epoch number keys the shuffle and the augmentation, so
 * epochs differ and runs with the same seed repeat.
 */
export class DataLoader<B extends Batch = Batch> implements AsyncIterable<B> {
  readonly bs: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly numWorkers: number;
  readonly prefetch: number;
  /** Where batches go (see DataLoaders.to to change it). */
  device: string;
  /** Epochs started so far (the next iteration uses this number). */
  epoch = 0;
  /** Samples left out because they could not be read (onError 'skip'), by dataset position. */
  readonly skipped = new Map<number, Skipped>();

  constructor(
    readonly dataset: Dataset,
    readonly pipeline: LoaderPipeline,
    options: DataLoaderOptions = {},
  ) {
    this.bs = options.bs ?? 64;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.seed = options.seed ?? drawSeed();
    this.prefetch = options.prefetch ?? 2;
    this.numWorkers = options.numWorkers ?? this.bs * this.prefetch;
    this.device = options.device ?? defaultDevice();
    if (!Number.isInteger(this.bs) || this.bs < 1) throw new RangeError(`DataLoader: bs must be a positive integer, got ${this.bs}`);
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0) throw new RangeError(`DataLoader: numWorkers must be 0 or more, got ${this.numWorkers}`);
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1) throw new RangeError(`DataLoader: prefetch must be 1 or more, got ${this.prefetch}`);
    if (this.dropLast && this.bs > dataset.length) {
      throw new RangeError(
        `DataLoader: bs ${this.bs} is larger than the ${dataset.length} ${dataset.split === 'train' ? 'training' : 'validation'} samples and dropLast is on, ` +
          `so an epoch would have no batch; use bs <= ${dataset.length} or dropLast: false`,
      );
    }
  }

  /** Samples per epoch (those skipped as unreadable excluded). */
  get n(): number {
    return this.dataset.length - this.skipped.size;
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.n / this.bs) : Math.ceil(this.n / this.bs);
  }

  /**
   * Whether items leave their final enlargement to the batch resample (when the batch
   * transforms include one that absorbs it, e.g. augTransforms): one resample instead of two,
   * and no upsampling on the CPU.
   */
  get deferEnlarge(): boolean {
    return canDeferEnlarge(this.pipeline.batchTfms);
  }

  /** The kinds of the batch's tensors, e.g. `['image', 'category']`. */
  get kinds(): string[] {
    return this.pipeline.blocks.map((b) => b.kind);
  }

  /** The dataset positions of each batch of epoch `epoch`. */
  batchIndices(epoch: number): number[][] {
    const n = this.dataset.length;
    let order = this.shuffle ? Rng.fromKeys(this.seed, Stream.shuffle, epoch).permutation(n) : Array.from({ length: n }, (_, i) => i);
    if (this.skipped.size) order = order.filter((i) => !this.skipped.has(i));
    const batches: number[][] = [];
    for (let s = 0; s < order.length; s += this.bs) {
      const b = order.slice(s, s + this.bs);
      if (b.length < this.bs && this.dropLast) break;
      batches.push(b);
    }
    return batches;
  }

  /** Sample `i` of the dataset after the item transforms (random ones keyed by seed, epoch and i). */
  async loadSample(i: number, epoch: number): Promise<unknown[]> {
    let sample = await this.dataset.get(i);
    const ctx = { split: this.dataset.split, rng: Rng.fromKeys(this.seed, Stream.item, epoch, i), deferEnlarge: this.deferEnlarge };
    for (const tfm of this.pipeline.itemTfms) {
      const settled = await Promise.allSettled(sample.map((v) => tfm.apply(v, ctx)));
      const next = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        // free what this sample already holds: earlier values and what the other elements made
        disposeSamples([sample, next.filter((v) => !sample.includes(v))]);
        throw failed.reason;
      }
      sample = next;
    }
    return sample;
  }

  /** Loads one batch's samples; with onError 'skip', unreadable ones come back as null. */
  private async loadSamples(indices: readonly number[], epoch: number, limiter: Limiter | null): Promise<(unknown[] | null)[]> {
    const one = async (i: number): Promise<unknown[] | null> => {
      try {
        return await this.loadSample(i, epoch);
      } catch (e) {
        const item = describeValue(this.dataset.item(i));
        const reason = (e as Error).message;
        if (this.dataset.parent.onError === 'skip') {
          // Errors that name their file and cause (ImageReadError) give a shorter line.
          const { file, reason: why } = e as { file?: unknown; reason?: unknown };
          this.skipped.set(i, typeof file === 'string' && typeof why === 'string' ? { item: file, reason: why } : { item, reason });
          return null;
        }
        if (reason.includes(item)) throw e;
        throw new Error(`could not load ${this.dataset.split} sample ${i} (${item}): ${reason}`, { cause: e });
      }
    };
    if (!limiter) {
      const out: (unknown[] | null)[] = [];
      for (const i of indices) out.push(await one(i));
      return out;
    }
    const settled = await Promise.allSettled(indices.map((i) => limiter.run(() => one(i))));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      disposeSamples(settled.map((r) => (r.status === 'fulfilled' ? r.value : null)));
      throw (failed as PromiseRejectedResult).reason;
    }
    return settled.map((r) => (r as PromiseFulfilledResult<unknown[] | null>).value);
  }

  /** Collates samples, moves them to the device and applies the batch transforms; frees the samples. */
  makeBatch(samples: readonly (readonly unknown[])[], ctx: BatchContext): B {
    try {
      return torch.tidy(() => {
        const collated = collateSamples(samples, this.pipeline.blocks);
        let batch = collated.batch.map((t) => (t.device === this.device ? t : t.toDevice(this.device)));
        let c: BatchContext = { ...ctx, pendingEnlarge: collated.pendingEnlarge };
        for (const tfm of this.pipeline.batchTfms) {
          batch = tfm.apply(batch, c);
          if (tfm.absorbsEnlarge) c = { ...c, pendingEnlarge: undefined };
        }
        return batch as B;
      });
    } finally {
      disposeSamples(samples);
    }
  }

  /** The context the batch transforms get for batch `b` of epoch `epoch`. */
  batchContext(epoch: number, b: number): BatchContext {
    return { split: this.dataset.split, rng: Rng.fromKeys(this.seed, Stream.batch, epoch, b), kinds: this.kinds };
  }

  /** One epoch of batches. Breaking out early frees what was loaded ahead. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    yield* this.iterate(this.epoch++);
  }

  /** The batches of epoch `epoch` (without advancing the epoch counter). */
  async *iterate(epoch: number, maxBatches = Infinity): AsyncGenerator<B, void, undefined> {
    const batches = this.batchIndices(epoch).slice(0, maxBatches);
    const limiter = this.numWorkers > 0 ? new Limiter(this.numWorkers) : null;
    const ahead: Promise<(unknown[] | null)[]>[] = [];
    let next = 0;
    const fill = (): void => {
      if (!limiter) return;
      while (ahead.length < this.prefetch && next < batches.length) {
        const p = this.loadSamples(batches[next++]!, epoch, limiter);
        p.catch(() => undefined); // surfaced when the consumer reaches this batch
        ahead.push(p);
      }
    };
    const skippedBefore = this.skipped.size;
    try {
      for (let b = 0; b < batches.length; b++) {
        fill();
        const samples = limiter ? await ahead.shift()! : await this.loadSamples(batches[b]!, epoch, null);
        fill(); // keep decoding while the consumer works on this batch
        const present = samples.filter((s): s is unknown[] => s !== null);
        if (present.length === 0) continue;
        const batch = this.makeBatch(present, this.batchContext(epoch, b));
        // Let the samples just launched run their promise chains up to their decodes (sharp
        // queues them on the thread pool) before the consumer takes the main thread for a
        // synchronous training step; otherwise nothing would be decoding during that step.
        if (limiter) await new Promise<void>((resolve) => setImmediate(resolve));
        yield batch;
      }
    } finally {
      for (const p of ahead) disposeSamples((await p.catch(() => null)) ?? []);
      this.warnSkipped(skippedBefore);
    }
  }

  private warnSkipped(before: number): void {
    if (this.skipped.size <= before) return;
    const fresh = [...this.skipped.values()].slice(before);
    process.emitWarning(
      `skipped ${fresh.length} unreadable sample${fresh.length > 1 ? 's' : ''} (onError: 'skip'); they are left out from now on:\n` +
        fresh.map((s) => `  ${s.item}: ${s.reason}`).join('\n'),
      { code: 'FASTAI_TS_SKIPPED_SAMPLES' },
    );
  }

  /** The first batch of the next epoch (same shuffle and augmentation), without advancing the epoch. */
  async oneBatch(): Promise<B> {
    for await (const batch of this.iterate(this.epoch, 1)) return batch;
    throw new Error(`oneBatch: the ${this.dataset.split} loader has no batch (${this.n} samples)`);
  }

  /** Undoes the batch transforms that can be undone (e.g. Normalize), on the CPU, for display. Returns new tensors. */
  decode(batch: readonly Tensor[]): Tensor[] {
    const ctx = this.batchContext(this.epoch, 0);
    return torch.tidy(() => {
      let b = [...batch];
      for (const tfm of [...this.pipeline.batchTfms].reverse()) if (tfm.decode) b = tfm.decode(b, ctx);
      return b.map((t) => t.cpu());
    });
  }
}
