/**
 * DistributedDL: one process's share of a DataLoader in data-parallel training (fastai's
 * `DistributedDL`, PyTorch's `DistributedSampler`). The data layer only needs the rank and the
 * world size as numbers; the learner layer (`DistributedTrainer`) wires them to the process
 * group.
 * @module
 */
import type { Tensor } from '../torch/index.js';
import type { Batch } from './dataloader.js';
import { DataLoader } from './dataloader.js';
import type { BatchContext } from './transform.js';
import { checkInt } from './validate.js';

/**
 * Rank `rank`'s slice of `order` for `worldSize` processes: the order padded to a multiple of
 * worldSize by repeating it from its start, then cut into worldSize contiguous slices of
 * `ceil(order.length / worldSize)` positions (fastai's `DistributedDL.get_idxs`). Together the
 * slices cover every position; only the padding appears twice.
 * @example
 * shardOrder([0, 1, 2, 3, 4], 0, 2) // [0, 1, 2]
 * shardOrder([0, 1, 2, 3, 4], 1, 2) // [3, 4, 0]
 */
export function shardOrder<T>(order: readonly T[], rank: number, worldSize: number): T[] {
  checkRankWorld('shardOrder', rank, worldSize);
  const n = order.length;
  if (n === 0) return [];
  const per = Math.ceil(n / worldSize);
  return Array.from({ length: per }, (_, k) => order[(rank * per + k) % n]!);
}

function checkRankWorld(what: string, rank: number, worldSize: number): void {
  checkInt(what, 'worldSize', worldSize, 1);
  checkInt(what, 'rank', rank, 0);
  if (rank >= worldSize) throw new RangeError(`${what}: rank ${rank} is not below worldSize ${worldSize}; ranks count from 0 to worldSize - 1`);
}

/**
 * A view of `source` that serves only rank `rank`'s share of every epoch. Each epoch's global
 * order is `source.datasetOrder(epoch)` (the seeded shuffle, identical on every rank), padded to
 * a multiple of worldSize by repeating from its start ({@link shardOrder}); this rank takes its
 * contiguous slice. Every rank serves the same number of batches per epoch, {@link length}
 * (`ceil(n / worldSize)` samples, cut into bs-long batches, the last dropped when short with
 * dropLast), as collectives in each batch need.
 *
 * Unreadable samples (onError 'skip') are found by each rank on its own slice, so ranks may know
 * different ones; they never change the global order. A skipped sample is replaced by another
 * sample of this rank's slice (known unreadable ones from the epoch's start, newly found ones
 * by a top-up drawn cyclically from the slice), so batch sizes and counts stay equal on every
 * rank; the price is that some of this rank's samples appear twice in such an epoch. When a
 * rank cannot fill its batches at all (its slice is unreadable), iterating throws rather than
 * serving fewer batches than the other ranks wait for.
 *
 * Batch transforms see batch `b` of this rank as global batch `b * worldSize + rank`, so random
 * batch augmentation differs across ranks; item transforms are keyed by the dataset position,
 * as in one process. Iterating advances `source.epoch` (and this view's), so lrFind's restore
 * of the source's epoch and later epochs carry on where the view left off.
 */
export class DistributedDL<B extends Batch = Batch> extends DataLoader<B> {
  /** The dataset positions served in the current (or last) epoch, in serving order: what each of this rank's items was. */
  readonly positions: number[] = [];

  /**
   * @param source the loader to share out (its dataset, pipeline, bs, shuffle, dropLast, seed, workers and device)
   * @param rank this process's rank, 0 to worldSize - 1
   * @param worldSize the number of processes
   */
  constructor(
    readonly source: DataLoader<B>,
    readonly rank: number,
    readonly worldSize: number,
  ) {
    checkRankWorld('DistributedDL', rank, worldSize);
    super(source.dataset, source.pipeline, {
      bs: source.bs, shuffle: source.shuffle, dropLast: source.dropLast, seed: source.seed,
      numWorkers: source.numWorkers, prefetch: source.prefetch, device: source.device,
    });
    // The source checked bs against the whole set; a shard is smaller.
    if (this.dropLast && this.n > 0 && this.bs > this.n) {
      throw new RangeError(
        `DistributedDL: bs ${this.bs} is larger than this rank's ${this.n} of the ${source.dataset.length} samples (${worldSize} ranks) and dropLast is on, ` +
          `so an epoch would have no batch; use bs <= ${this.n} or fewer ranks`,
      );
    }
    this.epoch = source.epoch;
    for (const [i, s] of source.skipped) this.skipped.set(i, s);
  }

  /** The batches per epoch each of `worldSize` ranks would serve from `source` (the {@link length} of its views), without making one. */
  static lengthFor(source: DataLoader, worldSize: number): number {
    checkRankWorld('DistributedDL.lengthFor', 0, worldSize);
    const per = Math.ceil(source.dataset.length / worldSize);
    return source.dropLast ? Math.floor(per / source.bs) : Math.ceil(per / source.bs);
  }

  /** Samples this rank serves per epoch: `ceil(dataset.length / worldSize)`, the same on every rank (skipped ones replaced). */
  override get n(): number {
    return Math.ceil(this.dataset.length / this.worldSize);
  }

  /** This rank's slice of epoch `epoch`'s padded global order (the dataset positions, before unreadable ones are replaced). */
  shard(epoch: number): number[] {
    return shardOrder(this.datasetOrder(epoch), this.rank, this.worldSize);
  }

  /** The positions served in epoch `epoch`: the shard, each known unreadable position replaced by the shard's next readable one (cyclically). */
  override order(epoch: number): number[] {
    const shard = this.shard(epoch);
    if (this.skipped.size === 0) return shard;
    const readable = shard.filter((i) => !this.skipped.has(i));
    if (readable.length === 0) return shard; // loading them fails again and says so
    let k = 0;
    return shard.map((i) => (this.skipped.has(i) ? readable[k++ % readable.length]! : i));
  }

  /** Top-ups: first the shard's positions that no batch takes (dropLast's remainder), then the whole shard again. */
  protected override refillPositions(epoch: number): readonly number[] {
    const shard = this.shard(epoch);
    return [...shard.slice(this.length * this.bs), ...shard].filter((i) => !this.skipped.has(i));
  }

  protected override served(positions: readonly number[]): void {
    this.positions.push(...positions);
  }

  /** Batch `b` of this rank is global batch `b * worldSize + rank`, so ranks draw different batch augmentation. */
  override batchContext(epoch: number, b: number): BatchContext {
    return super.batchContext(epoch, b * this.worldSize + this.rank);
  }

  override async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    const epoch = this.source.epoch++;
    this.epoch = this.source.epoch;
    yield* this.iterate(epoch);
  }

  /** This rank's batches of epoch `epoch`; throws if unreadable samples left it fewer than {@link length} (the other ranks would wait forever). */
  override async *iterate(epoch: number, maxBatches = Infinity): AsyncGenerator<B, void, undefined> {
    this.positions.length = 0;
    let k = 0;
    for await (const batch of super.iterate(epoch, maxBatches)) {
      k++;
      yield batch;
    }
    const want = Math.min(this.length, maxBatches);
    if (k < want) {
      throw new Error(
        `DistributedDL: rank ${this.rank} could serve only ${k} of the ${want} batches of epoch ${epoch}: too many of its ${this.n} samples are unreadable ` +
          `(onError 'skip' left ${this.skipped.size} out), and every rank must serve the same number of batches; remove the unreadable files (verifyImages() lists them)`,
      );
    }
  }

  /** Copies what this view learned back to its source (the epoch counter, unreadable samples). */
  release(): DataLoader<B> {
    this.source.epoch = Math.max(this.source.epoch, this.epoch);
    for (const [i, s] of this.skipped) this.source.skipped.set(i, s);
    return this.source;
  }

  /** Undoes the batch transforms for display, as the source does. */
  override decode(batch: readonly Tensor[]): Tensor[] {
    return this.source.decode(batch);
  }
}
