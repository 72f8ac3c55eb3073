/**
 * nn.DistributedDataParallel: data-parallel training over a process group. Every rank holds
 * the whole model and trains on its own shard of each batch; after backward the gradients
 * are averaged across ranks, so every rank takes the same optimizer step.
 *
 * It issues PyTorch 1.13's DDP collectives, with the same sizes, dtypes and order, so a
 * fastai-ts rank can train beside Python ranks running `torch.nn.parallel.DistributedDataParallel`
 * (docs/distributed.md lists them):
 * 1. at construction: the parameter count (all-gather) and every parameter's sizes and
 *    strides (broadcast from rank 0) are checked, then parameters and buffers are broadcast
 *    from rank 0 in 250 MiB chunks;
 * 2. before each training forward ({@link DistributedDataParallel.prepareForward}): the
 *    buckets are rebuilt once, after the first iteration, in the order gradients became ready
 *    (rank 0's order, broadcast), and buffers (BatchNorm's running statistics) are broadcast
 *    from rank 0;
 * 3. after backward ({@link DistributedDataParallel.syncGradients}): each bucket of
 *    gradients (the first iteration: one bucket; then about 1 MiB for the last layers and
 *    `bucketCapMb` for the rest) is scaled by 1 / worldSize and all-reduced with a sum.
 *
 * Communication starts after backward rather than during it (PyTorch overlaps the two with
 * autograd hooks); on small machines that overlap gained nothing measurable (bench/distributed).
 * @module
 */
import { noGrad, isGradEnabled } from '../autograd.js';
import { tensor, zerosLike } from '../creation.js';
import { Module } from '../nn/module.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { bucketAssignment, broadcastCoalesced, flatten, nbytes, unflattenInto } from './coalesced.js';
import { allGather, allReduce, broadcast, getRank, getWorldSize, isInitialized } from './index.js';

/** Options of {@link DistributedDataParallel}. */
export interface DistributedDataParallelOptions {
  /** Size of a gradient bucket after the first iteration, in MiB (PyTorch's `bucket_cap_mb`). Default 25. */
  bucketCapMb?: number;
  /** Broadcast buffers (BatchNorm's running statistics) from rank 0 before each training forward. Default true. */
  broadcastBuffers?: boolean;
}

/** PyTorch's `_DEFAULT_FIRST_BUCKET_BYTES`: the small bucket for the gradients ready first. */
const FIRST_BUCKET_BYTES = 1024 * 1024;
/** PyTorch's `broadcast_bucket_size` for parameters and buffers. */
const BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024;

/**
 * Wraps a model for data-parallel training (PyTorch's `DistributedDataParallel`). The
 * constructor enqueues the checks and the broadcast from rank 0 at once (await
 * {@link DistributedDataParallel.ready} or any later step, which waits for them).
 *
 * @example
 * await torch.distributed.initProcessGroup();
 * const ddp = new nn.DistributedDataParallel(model);
 * for (const [x, y] of myShard) {
 *   await ddp.prepareForward();
 *   const loss = F.crossEntropy(ddp.call(x), y);
 *   loss.backward();
 *   await ddp.syncGradients();
 *   opt.step(); opt.zeroGrad();
 * }
 */
export class DistributedDataParallel<In extends unknown[] = [Tensor], Out = Tensor> extends Module<In, Out> {
  /** The wrapped model (its state dict has no `module.` prefix). */
  readonly module: Module<In, Out>;
  /** Resolves when the construction's checks and broadcasts are done. */
  readonly ready: Promise<void>;
  readonly bucketCapBytes: number;
  readonly broadcastBuffers: boolean;
  /** The parameters that are reduced: those requiring grad at construction, in module order. */
  readonly params: readonly Tensor[];
  #buckets: number[][];
  #rebuilt = false;
  #iterations = 0;
  #requireForwardParamSync = true;

  constructor(module: Module<In, Out>, options: DistributedDataParallelOptions = {}) {
    super();
    if (!isInitialized()) throw new Error('DistributedDataParallel: the process group is not initialized; await torch.distributed.initProcessGroup() first');
    const mb = options.bucketCapMb ?? 25;
    if (!(typeof mb === 'number' && mb > 0)) throw new RangeError(`DistributedDataParallel: bucketCapMb must be a positive number, got ${String(mb)}`);
    this.module = this.registerModule('module', module);
    this.bucketCapBytes = Math.floor(mb * 1024 * 1024);
    this.broadcastBuffers = options.broadcastBuffers ?? true;
    this.params = module.parameters().filter((p) => p.requiresGrad);
    if (this.params.length === 0) throw new Error('DistributedDataParallel: the model has no parameter that requires grad, so there is nothing to train in parallel');
    // The first iteration: one bucket per dtype (PyTorch's [sys.maxsize] limit), reversed.
    this.#buckets = bucketAssignment(this.params, [Number.MAX_SAFE_INTEGER]).reverse();
    this.ready = this.#construct();
    this.ready.catch(() => undefined); // reported by whoever awaits the next step
  }

  override forward(...args: In): Out {
    return this.module.call(...args);
  }

  async #construct(): Promise<void> {
    await this.#verifyParams();
    // PyTorch's _sync_module_states: every parameter, then every buffer, in module order.
    await broadcastCoalesced([...this.module.parameters(), ...this.module.buffers()], BROADCAST_BUCKET_BYTES, 0);
  }

  /** PyTorch's `verify_params_across_processes`: the same parameter count, sizes and strides as rank 0. */
  async #verifyParams(): Promise<void> {
    const count = tensor([this.params.length], { dtype: 'int64' });
    const meta = tensor(this.params.flatMap((p) => [...p.shape, ...p.strides()]), { dtype: 'int64' });
    const counts = allGather(count);
    const metaDone = broadcast(meta, { src: 0 });
    let gathered: Tensor[] = [];
    try {
      gathered = await counts;
      await metaDone;
      gathered.forEach((t, r) => {
        const n = Number(t.item());
        if (n !== this.params.length) {
          throw new Error(`DistributedDataParallel: rank ${getRank()} has ${this.params.length} trainable parameters but rank ${r} has ${n}; every rank must build the same model (and freeze the same layers)`);
        }
      });
      const got = meta.toArray() as number[];
      let at = 0;
      this.params.forEach((p, i) => {
        const mine = [...p.shape, ...p.strides()];
        const theirs = got.slice(at, at + mine.length);
        at += mine.length;
        if (mine.some((v, k) => v !== theirs[k])) {
          const d = p.shape.length;
          throw new Error(
            `DistributedDataParallel: parameter ${i} has sizes [${p.shape.join(', ')}] and strides [${p.strides().join(', ')}] on rank ${getRank()} ` +
              `but sizes [${theirs.slice(0, d).join(', ')}] and strides [${theirs.slice(d).join(', ')}] on rank 0; every rank must build the same model with the same memory format`,
          );
        }
      });
    } finally {
      count.dispose();
      meta.dispose();
      for (const t of gathered) t.dispose();
    }
  }

  /**
   * Call before each forward (PyTorch's DDP does this inside its forward): rebuilds the
   * buckets once after the first iteration and broadcasts buffers from rank 0 when training.
   */
  async prepareForward(): Promise<void> {
    await this.ready;
    if (isGradEnabled() && this.#iterations > 0 && !this.#rebuilt) await this.#rebuildBuckets();
    if (this.#requireForwardParamSync && this.broadcastBuffers) {
      const buffers = this.module.buffers();
      if (buffers.length) await broadcastCoalesced(buffers, BROADCAST_BUCKET_BYTES, 0);
    }
    // As PyTorch: buffers are synced again only after a forward with grad enabled.
    this.#requireForwardParamSync = isGradEnabled();
  }

  /**
   * The buckets by gradient-ready order (here: reverse module order, the order backward
   * produces them for a feed-forward model) in a ~1 MiB first bucket and `bucketCapMb` ones
   * after; rank 0's assignment is broadcast and every rank adopts it (PyTorch's
   * `rebuild_buckets` and `sync_bucket_indices`).
   */
  async #rebuildBuckets(): Promise<void> {
    const readyOrder = this.params.map((_, i) => this.params.length - 1 - i);
    const mine = bucketAssignment(this.params, [FIRST_BUCKET_BYTES, this.bucketCapBytes], readyOrder);
    const flat = mine.flat();
    const indices = tensor([...flat, mine.length], { dtype: 'int32' });
    try {
      await broadcast(indices, { src: 0 });
      const got = indices.toArray() as number[];
      const numBuckets = got[flat.length]!;
      const sizes = tensor(Array.from({ length: numBuckets }, (_, i) => mine[Math.min(i, mine.length - 1)]!.length), { dtype: 'int32' });
      try {
        await broadcast(sizes, { src: 0 });
        const counts = sizes.toArray() as number[];
        const buckets: number[][] = [];
        let at = 0;
        for (const n of counts) {
          buckets.push(got.slice(at, at + n));
          at += n;
        }
        this.#buckets = buckets;
      } finally {
        sizes.dispose();
      }
    } finally {
      indices.dispose();
    }
    this.#rebuilt = true;
  }

  /** The current buckets: parameter positions (into {@link DistributedDataParallel.params}), in all-reduce order. */
  get buckets(): readonly (readonly number[])[] {
    return this.#buckets;
  }

  /**
   * Averages every parameter's gradient across ranks, bucket by bucket: all buckets are
   * enqueued first, then waited for. A parameter without a gradient on this rank counts as
   * zeros. Call after backward, before the optimizer step.
   */
  async syncGradients(): Promise<void> {
    await this.ready;
    const world = getWorldSize();
    const flats = this.#buckets.map((bucket) =>
      noGrad(() => tidy(() => {
        const grads = bucket.map((i) => {
          const p = this.params[i]!;
          return p.grad ?? zerosLike(p);
        });
        return flatten(grads).mul_(1 / world);
      })),
    );
    try {
      await Promise.all(flats.map((f) => allReduce(f, { op: 'sum' })));
      this.#buckets.forEach((bucket, k) => {
        const grads = bucket.map((i) => {
          const p = this.params[i]!;
          const g = p.grad;
          if (g) return g;
          const zeros = zerosLike(p);
          p.grad = zeros;
          return zeros;
        });
        unflattenInto(flats[k]!, grads);
        for (const g of grads) g.dispose(); // our handles; the parameters keep their gradients
      });
    } finally {
      for (const f of flats) f.dispose();
    }
    this.#iterations++;
  }

  /** Bytes of gradient per bucket (for logs and benchmarks). */
  bucketBytes(): number[] {
    return this.#buckets.map((b) => b.reduce((s, i) => s + nbytes(this.params[i]!), 0));
  }
}
