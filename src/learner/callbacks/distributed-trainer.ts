/**
 * DistributedTrainer: data-parallel training of a Learner across processes (fastai's
 * `DistributedTrainer`, added by `learn.toDistributed()`, fastai's `to_distributed`). Each
 * process (rank) runs the same script on its share of the data; the gradients are averaged
 * after every backward pass, so every rank takes the same optimizer steps and ends with the
 * same weights.
 * @module
 */
import { type DataLoader, DistributedDL } from '../../data/index.js';
import { type InitProcessGroupOptions, nn, type Tensor, torch } from '../../torch/index.js';
import { broadcastCoalesced } from '../../torch/distributed/coalesced.js';
import { Callback } from '../callback.js';
import type { Learner } from '../learner.js';

const dist = torch.distributed;

/** PyTorch's `broadcast_bucket_size` (250 MiB), for the buffers' broadcast. */
const BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024;

/** Options of {@link DistributedTrainer} and `learn.toDistributed`. */
export interface DistributedOptions extends nn.DistributedDataParallelOptions {
  /**
   * How to join the process group when the first fit starts and it is not initialised yet:
   * `torch.distributed.initProcessGroup(init)`. Default `{}`: torchrun's environment
   * (`RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`, as `fastai-ts launch` sets them).
   */
  init?: InitProcessGroupOptions;
}

/**
 * This process's rank (fastai's `rank_distrib`): the process group's when it is initialised,
 * else `$RANK` (set by `fastai-ts launch` and torchrun before the group exists), else 0.
 */
export function rankDistrib(): number {
  if (dist.isInitialized()) return dist.getRank();
  const r = Number(process.env.RANK);
  return Number.isSafeInteger(r) && r >= 0 ? r : 0;
}

/**
 * The number of processes (fastai's `num_distrib`): the process group's when it is
 * initialised, else `$WORLD_SIZE`, else 1.
 */
export function numDistrib(): number {
  if (dist.isInitialized()) return dist.getWorldSize();
  const w = Number(process.env.WORLD_SIZE);
  return Number.isSafeInteger(w) && w >= 1 ? w : 1;
}

/** What one rank predicted in its share of a validation epoch (CPU tensors, one per batch). */
interface ValidShare {
  preds: Tensor[];
  targs: Tensor[];
  positions: number[];
  offset: number;
}

/**
 * Trains the Learner data-parallel over the process group. Each fit:
 * - `beforeFit`: joins the process group if needed ({@link DistributedOptions.init}), wraps the
 *   parameters that require grad *now* in a new `nn.DistributedDataParallel` (so fineTune's
 *   frozen and unfrozen fits each get their own; its construction broadcasts rank 0's weights
 *   and buffers), and replaces `dls.train` and `dls.valid` by their {@link DistributedDL}
 *   shares;
 * - every training batch: `prepareForward()` before the forward pass (buffers from rank 0);
 *   after backward, the gradients are averaged (`syncGradients()`, before the step, so
 *   GradientClip, MixedPrecision's unscaling and GradientAccumulation see the averaged
 *   gradients) and so is the batch loss: `learn.loss` becomes the mean of the ranks' losses
 *   (one small all-reduce) before any `afterBatch` handler runs, so the Recorder's smoothed
 *   loss, lrFind's divergence stop and TerminateOnNaN decide the same on every rank;
 * - validation: buffers are broadcast from rank 0 first (as PyTorch's DDP does at the first
 *   evaluation forward), each rank predicts its share, then predictions and targets are
 *   gathered, the padding dropped and the dataset order restored, and the Recorder's
 *   validation loss and metrics are recomputed over exactly the whole validation set, in the
 *   validation loader's batches: identical on every rank, so EarlyStopping, SaveModelCallback
 *   and ReduceLROnPlateau decide identically;
 * - `afterFit`: buffers broadcast from rank 0 and a barrier (rank 0 has written what it saves
 *   before any rank loads it, e.g. SaveModelCallback's best model, which therefore needs a
 *   folder every rank can read, as in fastai), then the loaders are put back and the wrapper
 *   dropped.
 *
 * A stop (`learn.stop()`, the fit's AbortSignal, Ctrl-C) asked for on any rank is shared in
 * the next training batch's all-reduce and ends that batch on every rank (one batch later than
 * in a single process when asked after a batch's backward pass; during validation, at the next
 * epoch's first batch).
 *
 * Every rank must run the same callbacks and cancel the same batches: a collective that one
 * rank skips leaves the others waiting until the group's timeout. With GradientAccumulation the
 * gradients are averaged after every backward pass (correct, since averaging is linear; it
 * costs one all-reduce per batch rather than per step). Other callbacks' validation
 * `afterBatch` sees only this rank's batches. Only rank 0 prints the progress, saves, exports
 * and writes the report (`learn.isMainProcess`); the others take part in every collective.
 */
export class DistributedTrainer extends Callback {
  // After TrainEvalCallback (-10), before the Recorder (50), which must see the averaged loss
  // and the gathered validation set.
  override order = -5;
  readonly options: DistributedOptions;
  /** The current fit's wrapper, or null outside a fit. */
  ddp: nn.DistributedDataParallel | null = null;
  #views: { train: DistributedDL<[Tensor, Tensor]>; valid: DistributedDL<[Tensor, Tensor]> } | null = null;
  #valid: ValidShare | null = null;
  /** A stop asked for on this rank (Ctrl-C, learn.stop()) and not yet agreed on by every rank. */
  #stopAsked = false;
  /** The Learner's own stop, while a fit holds it back. */
  #stop: (() => void) | null = null;

  /** @param options the DDP options (bucketCapMb 25, broadcastBuffers true) and how to join the group */
  constructor(options: DistributedOptions = {}) {
    super();
    this.options = options;
  }

  /** This process's rank (0 before the group is joined and without `$RANK`). */
  get rank(): number {
    return rankDistrib();
  }

  /** The number of processes. */
  get worldSize(): number {
    return numDistrib();
  }

  /** The training batches per epoch each rank will run (what the loop's `nIter` becomes in a fit; lrFind sizes its fit by it). */
  trainLength(): number {
    const train = this.#views?.train.source ?? this.learn.dls.train;
    return DistributedDL.lengthFor(train, this.worldSize);
  }

  override async beforeFit(): Promise<void> {
    const learn = this.learn;
    this.#restore(); // a fit that threw (not cancelled) never reached afterFit
    if (!dist.isInitialized()) await dist.initProcessGroup(this.options.init ?? {});
    const rank = dist.getRank();
    const world = dist.getWorldSize();
    const dls = learn.dls;
    const views = { train: new DistributedDL(dls.train, rank, world), valid: new DistributedDL(dls.valid, rank, world) };
    this.#views = views;
    dls.train = views.train;
    dls.valid = views.valid;
    // A stop must end the same batch on every rank: hold it until the next loss all-reduce.
    this.#stopAsked = false;
    const own = learn.stop;
    this.#stop = () => own.call(learn);
    (learn as { stop: () => void }).stop = () => {
      this.#stopAsked = true;
    };
    try {
      const { init: _, ...ddpOptions } = this.options;
      this.ddp = new nn.DistributedDataParallel(learn.model, ddpOptions);
      await this.ddp.ready;
    } catch (e) {
      this.#restore();
      throw e;
    }
  }

  override async beforeBatch(): Promise<void> {
    if (this.learn.training) await this.ddp?.prepareForward();
  }

  override async afterBackward(): Promise<void> {
    const learn = this.learn;
    const ddp = this.ddp;
    if (!ddp) return;
    // [loss, stop asked]: NaN stands in for a missing loss so every rank still joins.
    const loss = learn.loss;
    const stop = this.#stopAsked ? 1 : 0;
    const sums = torch.tidy(() => torch.cat([loss ? loss.detach().float().cpu().reshape([1]) : torch.tensor([NaN]), torch.tensor([stop])]));
    try {
      // Both are enqueued now, in this order on every rank, and travel together.
      await Promise.all([dist.allReduce(sums, { op: 'sum' }), ddp.syncGradients()]);
      const [total, stops] = sums.toArray() as number[];
      if (loss) {
        learn.loss = torch.tensor(total! / dist.getWorldSize());
        loss.dispose();
      }
      if (stops! > 0) this.#stop?.(); // every rank, after this same batch
    } finally {
      sums.dispose();
    }
  }

  override async beforeValidate(): Promise<void> {
    this.#valid = { preds: [], targs: [], positions: [], offset: 0 };
    // The running statistics each rank updated on its own batches: rank 0's, as PyTorch's DDP.
    if (this.ddp?.broadcastBuffers) {
      const buffers = this.learn.model.buffers();
      if (buffers.length) await broadcastCoalesced(buffers, BROADCAST_BUCKET_BYTES, 0);
    }
  }

  override afterBatch(): void {
    const learn = this.learn;
    const share = this.#valid;
    const dl = learn.dl;
    if (learn.training || !share || !(dl instanceof DistributedDL)) return;
    const x = learn.xb[0];
    const n = x && x.ndim > 0 ? x.shape[0]! : 0;
    const at = share.offset;
    share.offset += n;
    const pred = learn.pred;
    const targ = learn.yb[0];
    if (!pred || !targ || n === 0) return; // cancelled, or nothing to score
    share.preds.push(torch.keep(torch.tidy(() => pred.detach().float().cpu().contiguous().clone())));
    share.targs.push(torch.keep(torch.tidy(() => targ.detach().cpu().contiguous().clone())));
    share.positions.push(...dl.positions.slice(at, at + n));
  }

  override async afterValidate(): Promise<void> {
    const share = this.#valid;
    this.#valid = null;
    const views = this.#views;
    if (!share || !views) return;
    try {
      await this.#gatherValid(share, views.valid);
    } finally {
      torch.dispose(share.preds);
      torch.dispose(share.targs);
    }
  }

  /** All ranks' validation predictions, each item once in dataset order, replayed into the Recorder. */
  async #gatherValid(share: ValidShare, view: DistributedDL<[Tensor, Tensor]>): Promise<void> {
    const local = share.positions.length;
    const count = torch.tensor([local], { dtype: 'int64' });
    let counts: number[];
    try {
      const got = await dist.allGather(count);
      counts = got.map((t) => Number(t.item()));
      torch.dispose(got);
    } finally {
      count.dispose();
    }
    const most = Math.max(...counts);
    if (most === 0) return; // validation was cancelled everywhere (lrFind)
    if (counts.some((c) => c === 0)) {
      throw new Error(
        `DistributedTrainer: rank ${counts.indexOf(0)} scored no validation item while others scored ${most}; every rank must run (and cancel) the same validation batches`,
      );
    }
    // allGather needs equal shapes: pad to the largest share, drop the padding after.
    const pad = (parts: Tensor[]): Tensor => torch.tidy(() => {
      const t = torch.cat(parts);
      return local === most ? t.clone() : torch.cat([t, torch.zeros([most - local, ...t.shape.slice(1)], { dtype: t.dtype })]);
    });
    const mine = [pad(share.preds), pad(share.targs), torch.tensor([...share.positions, ...new Array<number>(most - local).fill(-1)], { dtype: 'int64' })];
    let gathered: Tensor[][] = [];
    try {
      gathered = await Promise.all(mine.map((t) => dist.allGather(t)));
      const positions = gathered[2]!.flatMap((t, r) => (Array.from(t.toTypedArray() as BigInt64Array, Number)).slice(0, counts[r]));
      // Keep each dataset position once (the padding repeats the order's start) in the epoch's global order.
      const rankOf = new Map(view.datasetOrder(view.epoch - 1).map((p, k) => [p, k]));
      const first = new Map<number, number>();
      positions.forEach((p, row) => {
        if (!first.has(p)) first.set(p, row);
      });
      const rows = [...first.entries()].sort((a, b) => (rankOf.get(a[0]) ?? 0) - (rankOf.get(b[0]) ?? 0)).map(([, row]) => row);
      const index = torch.tensor(rows, { dtype: 'int64' });
      try {
        const [preds, targs] = [0, 1].map((k) => torch.tidy(() => torch.cat(gathered[k]!.map((t, r) => t.narrow(0, 0, counts[r]!))).indexSelect(0, index)));
        try {
          this.#replay(preds!, targs!, view.source.bs);
        } finally {
          preds!.dispose();
          targs!.dispose();
        }
      } finally {
        index.dispose();
      }
    } finally {
      torch.dispose(mine);
      for (const g of gathered) torch.dispose(g);
    }
  }

  /** Recomputes the validation loss and metrics over the whole set, in the single-process batches of `bs`. */
  #replay(preds: Tensor, targs: Tensor, bs: number): void {
    const learn = this.learn;
    const recorder = learn.recorder;
    recorder.resetValid();
    const n = preds.shape[0]!;
    for (let at = 0; at < n; at += bs) {
      const k = Math.min(bs, n - at);
      torch.tidy(() => torch.noGrad(() => {
        const pred = preds.narrow(0, at, k);
        const targ = targs.narrow(0, at, k);
        recorder.accumulateValid(pred, targ, learn.lossFunc.call(pred, targ));
      }));
    }
  }

  override async afterFit(): Promise<void> {
    const ddp = this.ddp;
    try {
      if (ddp && dist.isInitialized()) {
        // Identical buffers even when validation did not run; the barrier also means rank 0 has
        // finished writing what it saved before any rank loads it.
        const buffers = this.learn.model.buffers();
        if (ddp.broadcastBuffers && buffers.length) await broadcastCoalesced(buffers, BROADCAST_BUCKET_BYTES, 0);
        await dist.barrier();
      }
    } finally {
      this.#restore();
    }
  }

  /** Puts the original loaders back (with the epoch counters and unreadable samples the views learned) and drops the wrapper. */
  #restore(): void {
    const views = this.#views;
    this.ddp = null;
    if (this.#stop) Reflect.deleteProperty(this.learn, 'stop'); // the Learner's own stop again
    this.#stop = null;
    torch.dispose(this.#valid?.preds ?? []);
    torch.dispose(this.#valid?.targs ?? []);
    this.#valid = null;
    if (!views) return;
    const dls = this.learn.dls;
    dls.train = views.train.release();
    dls.valid = views.valid.release();
    this.#views = null;
  }
}

/** The training batches per epoch a fit of `learn` will run: its DistributedTrainer's share, else the training loader's length. */
export function trainBatches(learn: Learner): number {
  const dt = learn.cbs.find((c): c is DistributedTrainer => c instanceof DistributedTrainer);
  return dt ? dt.trainLength() : learn.dls.train.length;
}

/** The loader `dl` stands for: a DistributedDL's whole source, else `dl` itself (getPreds predicts every item). */
export function wholeLoader<B extends Tensor[]>(dl: DataLoader<B>): DataLoader<B> {
  return dl instanceof DistributedDL ? (dl.source as DataLoader<B>) : dl;
}
