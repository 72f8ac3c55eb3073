/**
 * DataLoader: an async iterable of batches. The samples of the next `prefetch` batches are
 * submitted at once: sharp queues their decodes on libuv's thread pool, whose threads work
 * through them while the engine holds the main thread for a training step, so loading overlaps
 * training and memory stays bounded (at most `prefetch` batches ahead). Collation, the move to
 * the device and the batch transforms happen when the consumer takes the batch.
 * @module
 */
import { dirname } from 'node:path';
import { torch, type Tensor } from '../torch/index.js';
import { disposeSamples } from './collate.js';
import type { Dataset } from './datasets.js';
import { Limiter } from './limiter.js';
import type { Pipeline, PipelineObserver } from './pipeline.js';
import { Rng, Stream } from './random.js';
import type { BatchContext } from './transform.js';
import { describeValue } from './transform.js';
import { checkBoolean, checkInt, describeArg } from './validate.js';

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

/** A batch: one tensor per block, e.g. `[x, y]`. The consumer owns it and must dispose it. */
export type Batch = Tensor[];

// libuv reads UV_THREADPOOL_SIZE once, when its pool starts; in an ES-module program that is
// before any of our code runs, so the value at import is the one in effect (a later change to
// process.env resizes nothing).
const poolAtLoad = process.env.UV_THREADPOOL_SIZE;

/**
 * The size of libuv's thread pool, which runs sharp's decodes: `UV_THREADPOOL_SIZE` as it was
 * when fastai-ts loaded, else libuv's default 4 (libuv caps it at 1024).
 */
export function threadPoolSize(): number {
  const n = Number(poolAtLoad);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1024) : 4;
}

/** Whether `UV_THREADPOOL_SIZE` was set when fastai-ts loaded. */
export function threadPoolSizeWasSet(): boolean {
  return poolAtLoad !== undefined && poolAtLoad !== '';
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

  /**
   * @param dataset the samples
   * @param pipeline the transforms that make batches of them (replaced, not changed, by DataLoaders.addTfms)
   */
  constructor(
    readonly dataset: Dataset,
    public pipeline: Pipeline,
    options: DataLoaderOptions = {},
  ) {
    this.bs = checkInt('DataLoader', 'bs', options.bs ?? 64, 1);
    this.shuffle = checkBoolean('DataLoader', 'shuffle', options.shuffle ?? false);
    this.dropLast = checkBoolean('DataLoader', 'dropLast', options.dropLast ?? false);
    this.seed = options.seed ?? drawSeed();
    if (!Number.isSafeInteger(this.seed)) throw new RangeError(`DataLoader: seed must be an integer, got ${describeArg(this.seed)}`);
    this.prefetch = checkInt('DataLoader', 'prefetch', options.prefetch ?? 2, 1);
    this.numWorkers = checkInt('DataLoader', 'numWorkers', options.numWorkers ?? this.bs * this.prefetch, 0);
    const device = options.device ?? defaultDevice();
    if (typeof device !== 'string') throw new TypeError(`DataLoader: device must be a string such as 'cpu' or 'cuda', got ${describeArg(device)}`);
    this.device = device;
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

  /** The source items, in dataset order (fastai's `dl.items`). */
  get items(): unknown[] {
    return this.dataset.items;
  }

  /** The kinds of the batch's tensors, e.g. `['image', 'category']`. */
  get kinds(): readonly string[] {
    return this.pipeline.kinds;
  }

  /** The dataset positions of epoch `epoch`, in the order they are served (unreadable ones left out). */
  order(epoch: number): number[] {
    const order = this.datasetOrder(epoch);
    return this.skipped.size ? order.filter((i) => !this.skipped.has(i)) : order;
  }

  /**
   * Every dataset position in epoch `epoch`'s order, the unreadable ones included: the seeded
   * shuffle (or dataset order), which depends on nothing but the seed and the epoch, so every
   * process of a distributed run draws the same one.
   */
  datasetOrder(epoch: number): number[] {
    const n = this.dataset.length;
    return this.shuffle ? Rng.fromKeys(this.seed, Stream.shuffle, epoch).permutation(n) : Array.from({ length: n }, (_, i) => i);
  }

  /**
   * Where a batch that lost unreadable samples (onError 'skip') is topped up from. null (here):
   * from the positions that follow in the order, so such an epoch may end with a shorter or a
   * dropped batch. A list (a distributed shard's, see DistributedDL) is drawn from cyclically and
   * the order's own positions are left alone, so every batch keeps its planned size and the
   * epoch its number of batches.
   */
  protected refillPositions(_epoch: number): readonly number[] | null {
    return null;
  }

  /** Told the dataset positions of each batch as it is served (`b` counts the epoch's batches). Nothing here. */
  protected served(_positions: readonly number[], _epoch: number, _b: number): void {}

  /** Sample `i` of the dataset after the item transforms (random ones keyed by seed, epoch and i). */
  async loadSample(i: number, epoch: number, observe?: PipelineObserver): Promise<unknown[]> {
    const sample = await this.dataset.get(i);
    return this.pipeline.applyItem(sample, this.pipeline.itemContext(this.dataset.split, this.seed, epoch, i), observe);
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
      try {
        for (const i of indices) out.push(await one(i));
      } catch (e) {
        disposeSamples(out); // the samples of this batch loaded before the failing one
        throw e;
      }
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
  makeBatch(samples: readonly (readonly unknown[])[], ctx: BatchContext, observe?: PipelineObserver): B {
    return this.pipeline.makeBatch(samples, ctx, this.device, observe) as B;
  }

  /** The context the batch transforms get for batch `b` of epoch `epoch`. */
  batchContext(epoch: number, b: number): BatchContext {
    return this.pipeline.batchContext(this.dataset.split, this.seed, epoch, b);
  }

  /** One epoch of batches. Breaking out early frees what was loaded ahead. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    yield* this.iterate(this.epoch++);
  }

  /**
   * The batches of epoch `epoch` (without advancing the epoch counter). With onError 'skip',
   * a batch that lost unreadable samples is topped up from the following ones, so batches
   * stay `bs` long (all but the last, which dropLast drops when short).
   */
  async *iterate(epoch: number, maxBatches = Infinity): AsyncGenerator<B, void, undefined> {
    const order = this.order(epoch);
    let taken = 0;
    let planned = 0;
    const take = (k: number): number[] => {
      const out = order.slice(taken, taken + k);
      taken += out.length;
      return out;
    };
    // The next batch's positions, or null at the end of the epoch.
    const plan = (): number[] | null => {
      const left = order.length - taken;
      if (planned >= maxBatches || left === 0 || (this.dropLast && left < this.bs)) return null;
      planned++;
      return take(this.bs);
    };
    // Top-ups for skipped samples: from the order itself, or cyclically from a separate list
    // (bounded, in case most of it is unreadable too).
    const spare = this.refillPositions(epoch);
    let spareTaken = 0;
    const refill = (k: number): number[] => {
      if (!spare) return take(k);
      const out: number[] = [];
      while (out.length < k && spare.length > 0 && spareTaken < 2 * spare.length) out.push(spare[spareTaken++ % spare.length]!);
      return out;
    };
    const limiter = this.numWorkers > 0 ? new Limiter(this.numWorkers) : null;
    const ahead: { positions: number[]; loading: Promise<(unknown[] | null)[]> }[] = [];
    const fill = (): void => {
      if (!limiter) return;
      for (let p = ahead.length < this.prefetch ? plan() : null; p; p = ahead.length < this.prefetch ? plan() : null) {
        const loading = this.loadSamples(p, epoch, limiter);
        loading.catch(() => undefined); // surfaced when the consumer reaches this batch
        ahead.push({ positions: p, loading });
      }
    };
    const skippedBefore = this.skipped.size;
    let pending: unknown[][] = []; // samples of the batch being assembled (freed if we stop)
    let yielded = 0;
    try {
      for (let b = 0; ; b++) {
        fill();
        let loaded: (unknown[] | null)[];
        let planned: number[];
        if (limiter) {
          const next = ahead.shift();
          if (!next) break;
          planned = next.positions;
          loaded = await next.loading;
        } else {
          const p = plan();
          if (!p) break;
          planned = p;
          loaded = await this.loadSamples(p, epoch, null);
        }
        pending = [];
        const positions: number[] = [];
        const keep = (got: readonly (unknown[] | null)[], at: readonly number[]): void => {
          got.forEach((s, k) => {
            if (s === null) return;
            pending.push(s);
            positions.push(at[k]!);
          });
        };
        keep(loaded, planned);
        // Replace skipped samples (up to the planned size: only the last batch is planned short).
        while (pending.length < planned.length) {
          const more = refill(planned.length - pending.length);
          if (!more.length) break;
          keep(await this.loadSamples(more, epoch, limiter), more);
        }
        if (pending.length === 0 || (this.dropLast && pending.length < this.bs)) {
          disposeSamples(pending);
          pending = [];
          continue;
        }
        fill(); // keep decoding while the consumer works on this batch
        const samples = pending;
        pending = [];
        this.served(positions, epoch, b);
        const batch = this.makeBatch(samples, this.batchContext(epoch, b));
        // Let the samples just launched run their promise chains up to their decodes (sharp
        // queues them on the thread pool) before the consumer takes the main thread for a
        // synchronous training step; otherwise nothing would be decoding during that step.
        if (limiter) await new Promise<void>((resolve) => setImmediate(resolve));
        yielded++;
        yield batch;
      }
    } finally {
      disposeSamples(pending);
      for (const p of ahead) disposeSamples((await p.loading.catch(() => null)) ?? []);
      this.warnSkipped(skippedBefore);
    }
    if (yielded === 0 && this.dataset.length > 0 && this.n === 0) throw this.nothingReadable();
  }

  /** Every sample was skipped as unreadable: an error naming where they are and why, rather than an empty epoch. */
  private nothingReadable(): Error {
    const items = [...this.skipped.values()];
    const dirs = new Set(items.map((s) => dirname(s.item)));
    const where = dirs.size === 1 ? ` in ${[...dirs][0]}` : '';
    const split = this.dataset.split === 'train' ? 'training' : 'validation';
    return new Error(
      `DataLoader: none of the ${this.dataset.length} ${split} samples${where} could be read (onError: 'skip' left them all out), so there is nothing to load. ` +
        `First: ${items[0]?.item}: ${items[0]?.reason}. Check that the files are images (verifyImages() lists the bad ones) and that getItems finds the right files`,
    );
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
    return this.pipeline.decode(batch, this.batchContext(this.epoch, 0));
  }
}
