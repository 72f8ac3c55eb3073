/**
 * The Learner (fastai's `Learner`): a model, its data, a loss, an optimizer and callbacks, with
 * fastai's training loop and recipes (`fit`, `fitOneCycle`, `fineTune`, `freeze`/`unfreeze`).
 * @module
 */
import { join } from 'node:path';
import type { DataLoader, DataLoaders, ShowOptions } from '../data/index.js';
import { describeArg } from '../data/validate.js';
import { nn, type Tensor, torch } from '../torch/index.js';
import type { AutocastOptions } from '../torch/index.js';
import type { ParamSplitter } from '../vision/index.js';
import {
  Callback, CancelBackward, CancelBatch, CancelEpoch, CancelFit, CancelStep, CancelTrain, CancelValid,
  type EventName,
} from './callback.js';
import { ProgressCallback } from './callbacks/progress.js';
import { Recorder } from './callbacks/recorder.js';
import { TrainEvalCallback } from './callbacks/train-eval.js';
import { ChannelsLast } from './callbacks/channels-last.js';
import { DistributedTrainer, type DistributedOptions, rankDistrib } from './callbacks/distributed-trainer.js';
import { lrFind, type LrFindOptions, type LrFindRecord, type LrFindResult } from './callbacks/lr-finder.js';
import { type GradScalerOptions, MixedPrecision } from './callbacks/mixed-precision.js';
import { exportLearner } from './load-learner.js';
import { getPreds, type GetPredsOptions, predict, type Prediction, type Preds } from './inference.js';
import { checkpointFile, loadCheckpoint, type LoadOptions, saveCheckpoint, type SaveOptions } from './persistence.js';
import { warnEmulatedBf16, warnOnce } from './precision.js';
import { CrossEntropyLossFlat, type LossFunc, type LossFunction, toLossFunction } from './losses.js';
import { type Metric, type MetricFn, toMetric } from './metrics.js';
import { checkEpochs, checkLr } from './checks.js';
import { fineTune, type FineTuneOptions, type FitFlatCosOptions, fitFlatCos, fitOneCycle, type FitOneCycleOptions, fitSgdr, type FitSgdrOptions } from './fit-recipes.js';
import { Adam, type LrSpec, type OptFunc, type Optimizer, spreadLrs } from './optimizer.js';
import { addOomAdvice } from './oom.js';

/** Options for a {@link Learner}, with fastai's defaults. */
export interface LearnerOptions {
  /** The loss. Default: from the target block, flattened cross-entropy for a category. */
  lossFunc?: LossFunc;
  /** Makes the optimizer from the parameter groups. Default {@link Adam}. */
  optFunc?: OptFunc;
  /** The learning rate when a fitting method is given none. Default 1e-3. */
  lr?: number;
  /** Parameter groups. Default: the model's `paramGroups()` when it has them (vision models), else one group. */
  splitter?: ParamSplitter;
  /** Callbacks for every fit (besides the default ones). */
  cbs?: Callback[];
  /** Metrics over the validation set, shown after valid_loss. Default none. */
  metrics?: (Metric | MetricFn)[];
  /** Weight decay for every fit. Default: the optimizer's own (Adam 0.01). */
  wd?: number;
  /** Apply weight decay to BatchNorm and bias parameters too. Default false. */
  wdBnBias?: boolean;
  /** Keep training BatchNorm parameters in frozen groups. Default true. */
  trainBn?: boolean;
  /** Where `save`/`load` files live: `path/modelDir/name.safetensors`. Default: `dls.path`. */
  path?: string;
  /** Default `'models'`. */
  modelDir?: string;
  /** fastai's `moms` for fitOneCycle. Default [0.95, 0.85, 0.95]. */
  moms?: readonly [number, number, number];
  /** Leave out the progress table and bar (fastai's `no_bar`/`no_logging`). Default false. */
  quiet?: boolean;
}

/** Options shared by the fitting methods. */
export interface FitOptions {
  /** Weight decay for this fit. Default: the Learner's `wd`, else the optimizer's. */
  wd?: number;
  /** Callbacks for this fit only. */
  cbs?: Callback[];
  /** Make a fresh optimizer (state cleared). Default false. */
  resetOpt?: boolean;
  /** Stops training after the current batch; `afterFit` still runs. */
  signal?: AbortSignal;
  /** Start at this epoch (resuming). Default 0. */
  startEpoch?: number;
}


/** The loss fastai would pick for the target block's kind. */
function defaultLoss(dls: DataLoaders): LossFunction {
  const kinds = dls.kinds;
  const target = kinds[kinds.length - 1];
  if (target === 'category') return CrossEntropyLossFlat();
  throw new Error(`Learner: no default loss for a '${target}' target; pass lossFunc (e.g. CrossEntropyLossFlat(), BCEWithLogitsLossFlat())`);
}

function defaultSplitter(model: nn.Module): ParamSplitter {
  const groups = (model as { paramGroups?: () => Tensor[][] }).paramGroups;
  return typeof groups === 'function' ? (m) => (m as unknown as { paramGroups(): Tensor[][] }).paramGroups() : (m) => [m.parameters()];
}

// Events that runTrain/runValid gate (fastai's `_inner_loop`); the others always run.
const INNER_LOOP = new Set<EventName>([
  'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterCancelBackward', 'afterBackward',
  'beforeStep', 'afterStep', 'afterCancelStep', 'afterCancelBatch', 'afterBatch',
]);

const isNorm = (m: nn.Module): boolean => m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d;

/**
 * A model and its data, ready to train (fastai's `Learner`). State the callbacks see during a
 * fit (`xb`, `yb`, `pred`, `loss`, `iter`, `epoch`, `pctTrain`, ...) uses fastai's names.
 *
 * @example
 * const learn = new Learner(dls, model, { metrics: [errorRate] });
 * await learn.fitOneCycle(3, 1e-3);
 */
export class Learner {
  readonly lossFunc: LossFunction;
  readonly optFunc: OptFunc;
  lr: number;
  readonly splitter: ParamSplitter;
  metrics: Metric[];
  wd: number | undefined;
  readonly wdBnBias: boolean;
  readonly trainBn: boolean;
  path: string;
  modelDir: string;
  moms: readonly [number, number, number];
  /** The optimizer, made by the first fit (or {@link createOpt}). */
  opt: Optimizer | null = null;
  /** The callbacks, sorted by order. */
  cbs: Callback[] = [];
  /** Autocast for the forward pass and loss (set by mixed precision); null for float32. */
  autocast: AutocastOptions | null = null;
  /** The curve and suggestions of the last {@link lrFind} (its latest run); null before one ran. */
  lrFindResult: LrFindRecord | null = null;

  // fastai's training state, readable by callbacks.
  /** The batch's inputs and targets (owned by the loop; freed after `afterBatch`). */
  xb: Tensor[] = [];
  yb: Tensor[] = [];
  /** The model's output for the batch. */
  pred: Tensor | null = null;
  /** The batch loss (a scalar tensor); `lossGrad` is the one backward runs on. */
  loss: Tensor | null = null;
  lossGrad: Tensor | null = null;
  /** Whether the loop is in a training phase. */
  training = false;
  /** Index of the batch in its phase, batches in the phase, epoch, epochs of this fit. */
  iter = 0;
  nIter = 0;
  epoch = 0;
  nEpoch = 0;
  /** Fraction of this fit's training done (0 at its first batch); training batches so far. */
  pctTrain = 0;
  trainIter = 0;
  /** The loader of the current phase. */
  dl: DataLoader<Tensor[]> | null = null;
  #stopRequested = false;

  /**
   * @param dls the training and validation data
   * @param model the model (a `VisionModel` brings its parameter groups)
   */
  constructor(
    readonly dls: DataLoaders,
    readonly model: nn.Module,
    options: LearnerOptions = {},
  ) {
    this.lossFunc = options.lossFunc ? toLossFunction(options.lossFunc) : defaultLoss(dls);
    this.optFunc = options.optFunc ?? Adam;
    this.lr = checkLr(options.lr ?? 1e-3, 'lr');
    this.splitter = options.splitter ?? defaultSplitter(model);
    this.metrics = (options.metrics ?? []).map(toMetric);
    this.wd = options.wd;
    this.wdBnBias = options.wdBnBias ?? false;
    this.trainBn = options.trainBn ?? true;
    this.path = options.path ?? dls.path;
    this.modelDir = options.modelDir ?? 'models';
    this.moms = options.moms ?? [0.95, 0.85, 0.95];
    const defaults: Callback[] = [new TrainEvalCallback(), new Recorder()];
    if (!options.quiet) defaults.push(new ProgressCallback());
    this.addCbs([...defaults, ...(options.cbs ?? [])]);
  }

  /** The Recorder (losses, learning rates and per-epoch values of the last fit; every fit in `recorder.history`). */
  get recorder(): Recorder {
    const r = this.cbs.find((c): c is Recorder => c instanceof Recorder);
    if (!r) throw new Error('Learner: no Recorder callback (it was removed)');
    return r;
  }

  /** The batch loss as a number (NaN before the first batch). */
  get lossValue(): number {
    return this.loss ? torch.tidy(() => this.loss!.float().item()) : NaN;
  }

  /** Adds callbacks (kept sorted by `order`). Returns this. */
  addCbs(cbs: readonly Callback[]): this {
    for (const cb of cbs) {
      if (!(cb instanceof Callback)) throw new TypeError(`Learner: callbacks must extend Callback, got ${describeArg(cb)}`);
      cb.learn = this;
      this.cbs.push(cb);
    }
    this.cbs = stableSortBy(this.cbs, (c) => c.order);
    return this;
  }

  /** Adds one callback. Returns this. */
  addCb(cb: Callback): this {
    return this.addCbs([cb]);
  }

  /** Removes callbacks (instances, or every callback of a class). Returns this. */
  removeCbs(cbs: readonly (Callback | (abstract new (...a: never[]) => Callback))[]): this {
    this.cbs = this.cbs.filter((c) => !cbs.some((r) => (r instanceof Callback ? r === c : c instanceof r)));
    return this;
  }

  /** The callback of class `cls`, if any. */
  cb<C extends Callback>(cls: abstract new (...a: never[]) => C): C | undefined {
    return this.cbs.find((c): c is C => c instanceof cls);
  }

  /** Runs `event` on every callback that handles it, in order, awaiting async handlers. */
  async run(event: EventName): Promise<void> {
    for (const cb of this.cbs) {
      const handler = cb[event];
      if (handler === undefined) continue;
      if (INNER_LOOP.has(event) && (this.training ? !cb.runTrain : !cb.runValid)) continue;
      const out = handler.call(cb);
      if (out instanceof Promise) await out;
    }
  }

  /**
   * Makes the optimizer over the parameter groups, marking BatchNorm and bias parameters as
   * fastai does (no weight decay unless `wdBnBias`; BatchNorm keeps training in frozen groups
   * when `trainBn`).
   */
  createOpt(): Optimizer {
    this.opt?.dispose();
    const groups = this.splitter(this.model);
    const opt = this.optFunc(groups, { lr: this.lr });
    const norm = new Set<Tensor>();
    const bias = new Set<Tensor>();
    for (const m of this.model.modules()) {
      const own = m.namedParameters('', false);
      if (isNorm(m)) for (const [, p] of own) norm.add(p);
      for (const [n, p] of own) if (n === 'bias') bias.add(p);
    }
    for (const p of groups.flat()) {
      const n = norm.has(p);
      if (!this.wdBnBias && (n || bias.has(p))) opt.setParamFlags(p, { doWd: false });
      if (this.trainBn && n) opt.setParamFlags(p, { forceTrain: true });
    }
    this.opt = opt;
    return opt;
  }

  /** Trains only the groups from `n` on (negative counts from the end), BatchNorm excepted with `trainBn`; clears the optimizer state. */
  freezeTo(n: number): void {
    const opt = this.opt ?? this.createOpt();
    opt.freezeTo(n);
    opt.clearState();
  }

  /**
   * Trains only the last group (the head), and BatchNorm layers with `trainBn`. A model with one
   * parameter group cannot be frozen (fastai silently trains everything): that throws, saying to
   * give a splitter.
   */
  freeze(): void {
    const opt = this.opt ?? this.createOpt();
    if (opt.paramGroups.length < 2) {
      throw new Error(
        'freeze: the model has one parameter group, so there is no body to freeze; give the Learner a splitter ' +
          '(e.g. splitter: (m) => [body.parameters(), head.parameters()]) or train everything with fitOneCycle',
      );
    }
    this.freezeTo(-1);
  }

  /** Trains every group. */
  unfreeze(): void {
    this.freezeTo(0);
  }

  /** Whether {@link stop} (or the fit's AbortSignal) asked the current or last fit to stop. */
  get stopping(): boolean {
    return this.#stopRequested;
  }

  /** Stops a running fit after the current batch (as an AbortSignal does); `afterFit` still runs. */
  stop(): void {
    this.#stopRequested = true;
  }

  /**
   * Trains for `nEpoch` epochs at a constant learning rate `lr` (a number, one per group, or
   * `slice(lo, hi)`; default the Learner's `lr`). Resolves when training ends, including when
   * it was cancelled (CancelFit, `signal`, {@link stop}).
   */
  async fit(nEpoch: number, lr?: LrSpec, options: FitOptions = {}): Promise<void> {
    checkEpochs(nEpoch, 'fit');
    this.dls.checkHasData('fit');
    if (options.resetOpt || !this.opt) this.createOpt();
    const opt = this.opt!;
    const wd = options.wd ?? this.wd;
    if (wd !== undefined) opt.setHyper('wd', wd);
    this.setLr(lr ?? this.lr);
    this.nEpoch = nEpoch;
    const extra = options.cbs ?? [];
    this.addCbs(extra);
    this.#stopRequested = false;
    const onAbort = () => this.stop();
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) this.#stopRequested = true;
    try {
      await this.withEvents('Fit', CancelFit, async () => {
        for (let epoch = options.startEpoch ?? 0; epoch < nEpoch; epoch++) {
          this.epoch = epoch;
          await this.withEvents('Epoch', CancelEpoch, async () => {
            await this.doTrain();
            await this.doValidate();
          });
        }
      });
    } catch (e) {
      throw addOomAdvice(e);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.removeCbs(extra);
      this.freeBatch();
      this.dl = null;
    }
  }

  /**
   * fastai's learning-rate finder: trains `numIt` batches (default 100) with the learning
   * rate growing from `startLr` (1e-7) to `endLr` (10), records the smoothed loss, stops when it
   * diverges, then restores the weights and optimizer. Returns one field per suggestion rule
   * (default `valley`) and the curve (`lrs`, `losses`), also kept in {@link lrFindResult}.
   * @example
   * const { valley } = await learn.lrFind();
   * const { minimum, steep } = await learn.lrFind({ suggestFuncs: [minimum, steep] });
   */
  lrFind<N extends string = 'valley'>(options: LrFindOptions<N> = {}): Promise<LrFindResult<N>> {
    return lrFind(this, options);
  }

  /** Runs `fn` with the progress output left out (the lr finder, quick checks). */
  async withoutProgress<T>(fn: () => Promise<T>): Promise<T> {
    const removed = this.cbs.filter((c) => c instanceof ProgressCallback);
    this.removeCbs(removed);
    try {
      return await fn();
    } finally {
      this.addCbs(removed);
    }
  }

  /**
   * Predictions over a loader (default the validation set) in evaluation mode, without
   * gradients: probabilities by default (the loss's activation), the targets, and on request
   * the decoded classes, per-item losses and inputs. CPU tensors; the caller disposes them.
   */
  getPreds(options: GetPredsOptions = {}): Promise<Preds> {
    return getPreds(this, options);
  }

  /** Predicts one item (a file path or image bytes): `{ label, index, probs }`. */
  predict(item: unknown): Promise<Prediction> {
    return predict(this, item);
  }

  /**
   * Draws the first validation items (a 3x3 grid by default) with their actual label and the
   * prediction (green when right, red when wrong), as a PNG.
   */
  async showResults(options: ShowOptions = {}): Promise<Buffer> {
    const batch = await this.dls.valid.oneBatch();
    try {
      const preds = torch.tidy(() => torch.noGrad(() => {
        const modes = this.model.modules().map((m) => [m, m.training] as const);
        this.model.eval();
        try {
          return this.model.call(batch[0]!) as Tensor;
        } finally {
          for (const [m, t] of modes) m.training = t;
        }
      }));
      try {
        return await this.dls.showResults(batch, preds, options);
      } finally {
        preds.dispose();
      }
    } finally {
      for (const t of batch) t.dispose();
    }
  }

  /**
   * Whether this process is the one that prints, saves and writes files (fastai's
   * `rank_distrib() == 0`): true in a single process and on rank 0 of a distributed run (the
   * process group's rank, else `$RANK`). {@link save}, {@link export}, the progress table,
   * the callbacks' messages and the report do nothing on the other ranks, which still take part
   * in every collective.
   */
  get isMainProcess(): boolean {
    return rankDistrib() === 0;
  }

  /**
   * Trains data-parallel across processes from the next fit on (fastai's `to_distributed`):
   * adds a {@link DistributedTrainer} (replacing one added before), which joins the process
   * group from torchrun's environment (`RANK`, `WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`,
   * as `fastai-ts launch` sets them) when the first fit starts, wraps the model in
   * `nn.DistributedDataParallel`, gives each rank its share of the data and gathers the
   * validation predictions, so the epoch table is over the whole validation set on every rank.
   * `fit`, `fineTune` and `lrFind` work unchanged. Every rank runs the same script. Returns this.
   * @example
   * // RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 node train.js (and RANK=1 ...)
   * const learn = (await visionLearner(dls, 'resnet18', { metrics: [errorRate] })).toDistributed();
   * await learn.fineTune(1);
   * learn.export('model.safetensors'); // written by rank 0 only
   */
  toDistributed(options: DistributedOptions = {}): this {
    this.removeCbs([DistributedTrainer]);
    return this.addCb(new DistributedTrainer(options));
  }

  /** The file `save(name)` writes: `path/modelDir/name.safetensors`. */
  checkpointFile(name: string): string {
    return checkpointFile(join(this.path, this.modelDir), name);
  }

  /**
   * Saves the weights and (default) the optimizer state to `path/modelDir/name.safetensors`
   * (atomically). Returns the file. Only the main process writes it ({@link isMainProcess}).
   */
  save(name: string, options: SaveOptions = {}): string {
    const file = this.checkpointFile(name);
    if (!this.isMainProcess) return file;
    saveCheckpoint(file, this.model, (options.withOpt ?? true) ? this.opt : null);
    return file;
  }

  /** Loads what {@link save} wrote (weights, and the optimizer state when there is one). Returns this. */
  load(name: string, options: LoadOptions = {}): this {
    loadCheckpoint(this.checkpointFile(name), this.model, () => this.opt ?? this.createOpt(), options);
    return this;
  }

  /**
   * Mixed precision with bfloat16 autocast (master weights stay float32). On a CPU without
   * native bf16 (no AVX512-BF16 or AMX) libtorch emulates it and training runs 10-25x slower:
   * that warns once, naming the CPU. Returns this.
   */
  toBf16(): this {
    if (!this.dls.device.startsWith('cuda')) warnEmulatedBf16();
    this.toFp32();
    return this.addCb(new MixedPrecision({ dtype: 'bfloat16' }));
  }

  /**
   * Mixed precision with float16 autocast and a dynamic loss scaler, on a GPU. libtorch's CPU
   * autocast only runs bfloat16, so on the CPU this explains that and uses {@link toBf16}.
   */
  toFp16(options: GradScalerOptions = {}): this {
    if (!this.dls.device.startsWith('cuda')) {
      warnOnce('FASTAI_TS_FP16_CPU', 'toFp16(): CPU autocast runs in bfloat16 (libtorch has no float16 autocast on the CPU), so this uses toBf16() instead; float16 with a loss scaler is for GPUs');
      return this.toBf16();
    }
    this.toFp32();
    return this.addCb(new MixedPrecision({ dtype: 'float16', ...options }));
  }

  /** Back to full float32 training (removes mixed precision). Returns this. */
  toFp32(): this {
    this.removeCbs([MixedPrecision]);
    this.autocast = null;
    return this;
  }

  /**
   * Channels-last memory format for the model and its input batches (fastai's
   * `to_channels_last`): oneDNN's convolutions run faster in it on the CPU (measured on an
   * Intel Xeon: +6-8% for fp32 ResNet training, +24% with bf16). Returns this.
   */
  toChannelsLast(): this {
    this.model.to({ memoryFormat: 'channelsLast' });
    if (!this.cb(ChannelsLast)) this.addCb(new ChannelsLast());
    return this;
  }

  /**
   * Writes everything inference needs (architecture, weights, vocab, item and batch
   * transforms) to ONE safetensors file with no code in it; {@link loadLearner} reads it back
   * without the training data. Default file: `path/export.safetensors`. Returns the file. Only
   * the main process writes it ({@link isMainProcess}); the others return the same path.
   */
  export(file = 'export.safetensors'): string {
    return exportLearner(this, file);
  }

  /** Sets every group's learning rate from `lr` (a number, one per group, or a slice) and returns them. */
  setLr(lr: LrSpec): number[] {
    const opt = this.opt ?? this.createOpt();
    if (typeof lr === 'number') checkLr(lr, 'lr');
    const lrs = spreadLrs(lr, opt.paramGroups.length);
    opt.setHyper('lr', lrs);
    return lrs;
  }

  /**
   * fastai's one-cycle policy (see {@link fitOneCycle}): lr cosine from `lrMax/div` up to `lrMax`
   * over `pctStart` of the iterations, then down to `lrMax/divFinal`; momentum the other way.
   * Defaults: the Learner's lr, div 25, divFinal 1e5, pctStart 0.25, moms [0.95, 0.85, 0.95].
   */
  fitOneCycle(nEpoch: number, lrMax?: LrSpec, options: FitOneCycleOptions = {}): Promise<void> {
    return fitOneCycle(this, nEpoch, lrMax, options);
  }

  /**
   * fastai's transfer-learning recipe (see {@link fineTune}): `freezeEpochs` (1) frozen epochs of
   * one-cycle at `slice(baseLr)`, then `epochs` unfrozen at `slice(baseLr/2/lrMult, baseLr/2)`.
   * @param baseLr default 2e-3
   */
  fineTune(epochs: number, baseLr = 2e-3, options: FineTuneOptions = {}): Promise<void> {
    return fineTune(this, epochs, baseLr, options);
  }

  /** A flat lr for `pctStart` (0.75) of the iterations, then cosine to `lr/divFinal` (see {@link fitFlatCos}). */
  fitFlatCos(nEpoch: number, lr?: LrSpec, options: FitFlatCosOptions = {}): Promise<void> {
    return fitFlatCos(this, nEpoch, lr, options);
  }

  /** Cosine cycles from lrMax to 0 with warm restarts, each `cycleMult` (2) times longer (see {@link fitSgdr}). */
  fitSgdr(nCycles: number, cycleLen: number, lrMax?: LrSpec, options: FitSgdrOptions = {}): Promise<void> {
    return fitSgdr(this, nCycles, cycleLen, lrMax, options);
  }

  private async withEvents(name: 'Fit' | 'Epoch' | 'Train' | 'Validate' | 'Batch' | 'Backward' | 'Step', cancel: new () => Error, fn: () => Promise<void> | void): Promise<void> {
    try {
      await this.run(`before${name}`);
      await fn();
    } catch (e) {
      if (!(e instanceof cancel)) throw e;
      await this.run(`afterCancel${name}`);
    }
    await this.run(`after${name}`);
  }

  private async doTrain(): Promise<void> {
    this.dl = this.dls.train as DataLoader<Tensor[]>;
    await this.withEvents('Train', CancelTrain, () => this.allBatches(this.dls.train as DataLoader<Tensor[]>));
  }

  private async doValidate(dl: DataLoader<Tensor[]> = this.dls.valid as DataLoader<Tensor[]>): Promise<void> {
    this.dl = dl;
    await this.withEvents('Validate', CancelValid, () => this.allBatches(dl));
  }

  private async allBatches(dl: DataLoader<Tensor[]>): Promise<void> {
    this.nIter = dl.length;
    let i = 0;
    for await (const batch of dl) {
      this.iter = i++;
      const nInp = batch.length > 1 ? batch.length - 1 : 1;
      this.xb = batch.slice(0, nInp);
      this.yb = batch.slice(nInp);
      try {
        await this.withEvents('Batch', CancelBatch, () => this.oneBatch());
      } finally {
        this.freeBatch();
      }
      if (this.#stopRequested) throw new CancelFit('stopped');
    }
  }

  /** The forward pass (under autocast when set, without gradients outside training). */
  private forward<T>(fn: () => T): T {
    const ac = this.autocast;
    const f = ac ? () => torch.autocast(ac, fn) : fn;
    return this.training ? torch.tidy(f) : torch.tidy(() => torch.noGrad(f));
  }

  private async oneBatch(): Promise<void> {
    this.pred = this.forward(() => this.model.call(...(this.xb as [Tensor])) as Tensor);
    await this.run('afterPred');
    if (this.yb.length) {
      const pred = this.pred;
      this.lossGrad = this.forward(() => this.lossFunc.call(pred, this.yb[0]!));
      this.loss = this.lossGrad.detach();
    }
    await this.run('afterLoss');
    if (!this.training || !this.yb.length) return;
    await this.withEvents('Backward', CancelBackward, () => torch.tidy(() => this.lossGrad!.backward()));
    await this.withEvents('Step', CancelStep, () => this.opt!.step());
    this.opt!.zeroGrad();
  }

  /** Frees the batch's tensors (callbacks that want one later keep a copy). */
  private freeBatch(): void {
    const own = new Set<Tensor>([...this.xb, ...this.yb]);
    if (this.pred) own.add(this.pred);
    if (this.loss) own.add(this.loss);
    if (this.lossGrad) own.add(this.lossGrad);
    for (const t of own) if (!t.isDisposed) t.dispose();
    this.xb = [];
    this.yb = [];
    this.pred = null;
    this.loss = null;
    this.lossGrad = null;
  }
}


function stableSortBy<T>(xs: readonly T[], key: (x: T) => number): T[] {
  return xs.map((x, i) => [x, i] as const).sort((a, b) => key(a[0]) - key(b[0]) || a[1] - b[1]).map(([x]) => x);
}
