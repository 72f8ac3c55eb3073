/**
 * Recorder: what a fit did, as numbers (fastai's `Recorder`, always present): per training
 * batch the learning rate, momentum and smoothed loss; per epoch the training loss, the
 * validation loss, the metrics and the time. Its per-fit fields describe the current (or last)
 * fit; {@link Recorder.history} keeps every fit of the Learner's life.
 * @module
 */
import { type Tensor, torch } from '../../torch/index.js';
import { Callback } from '../callback.js';
import { LRFinder } from './lr-finder.js';
import { AvgLoss, AvgSmoothLoss, metricName } from '../metrics.js';
import {
  type LrFindCurve, type PlotFileOptions, plotLoss as drawLoss, type PlotLossOptions, plotLrFind as drawLrFind, type PlotLrFindOptions,
  plotMetrics as drawMetrics, plotSched as drawSched, type PlotSchedOptions,
} from '../plots.js';

/** One finished epoch, as the progress table and CSVLogger show it. */
export interface EpochLog {
  epoch: number;
  /** The smoothed training loss at the end of the epoch's training phase (fastai's train_loss). */
  trainLoss: number;
  /** The validation loss (batch losses weighted by batch size); NaN when validation did not run. */
  validLoss: number;
  /** The metrics' values, in the order of {@link Recorder.metricNames}. */
  metrics: number[];
  /** Wall seconds of the epoch (training and validation). */
  seconds: number;
}

/**
 * One fit as {@link Recorder.history} keeps it: the Recorder's per-fit fields of that fit (the
 * same arrays while it runs), and how it started.
 */
export interface FitRecord {
  /** Column names of this fit's table: `['epoch', 'train_loss', 'valid_loss', ...metrics, 'time']`. */
  readonly names: readonly string[];
  /** The epochs asked for (`fit(nEpoch)`); fewer rows were recorded when it stopped early. */
  readonly nEpoch: number;
  /** The epoch number of each row (from `startEpoch` when resuming). */
  readonly epochs: number[];
  /** One row per epoch: `[trainLoss, validLoss, ...metrics]`. */
  readonly values: number[][];
  /** Wall seconds of each epoch. */
  readonly epochTimes: number[];
  /** The last parameter group's learning rate at each training batch. */
  readonly lrs: number[];
  /** The last parameter group's momentum at each training batch (NaN when the optimizer has none). */
  readonly moms: number[];
  /** The smoothed training loss after each training batch (smoothing restarts with each fit). */
  readonly losses: number[];
  /** Per epoch, the training batches recorded so far in this fit. */
  readonly iters: number[];
  /** Every scheduled hyper-parameter per batch (`hps.lr[i]` has one value per group); `{}` for a plain `fit`. */
  readonly hps: Readonly<Record<string, number[][]>>;
  /** Each parameter group's learning rate as the fit began (fitOneCycle's lrMax, fit's constant lr). */
  readonly startLrs: readonly number[];
  /** Parameter groups, and how many of them were frozen (some parameters not trained) as the fit began. */
  readonly groups: number;
  readonly frozenGroups: number;
  /** Whether it was stopped by an AbortSignal or `learn.stop()` (false while it runs). */
  stopped: boolean;
}

/** Records losses, hyper-parameters and metrics of the current (or last) fit, and keeps every fit in {@link history}. */
export class Recorder extends Callback {
  override order = 50;
  /** The last parameter group's learning rate at each training batch. */
  lrs: number[] = [];
  /** The last parameter group's momentum (`mom`) at each training batch (NaN when the optimizer has none). */
  moms: number[] = [];
  /** The smoothed training loss after each training batch (beta 0.98, debiased). */
  losses: number[] = [];
  /** Per epoch, the number of training batches recorded so far (where plotLoss puts the validation losses). */
  iters: number[] = [];
  /** One row per epoch: `[trainLoss, validLoss, ...metrics]`. */
  values: number[][] = [];
  /** Wall seconds of each epoch. */
  epochTimes: number[] = [];
  /** Every scheduled hyper-parameter per batch, set by ParamScheduler (`hps.lr[i]` is one value per group). */
  hps: Record<string, number[][]> = {};
  /** The epoch just finished (for the progress table and loggers); null before the first. */
  lastLog: EpochLog | null = null;
  readonly #history: FitRecord[] = [];
  #current: (FitRecord & { hps: Record<string, number[][]> }) | null = null;
  readonly #smooth: AvgSmoothLoss;
  readonly #valid = AvgLoss();
  #start = 0;
  #trainLoss = NaN;
  #validLoss = NaN;

  /** @param beta smoothing of the training loss. Default 0.98. */
  constructor(beta = 0.98) {
    super();
    this.#smooth = AvgSmoothLoss(beta);
  }

  /** Column names of the table: `['epoch', 'train_loss', 'valid_loss', ...metrics, 'time']`. */
  get names(): string[] {
    return ['epoch', 'train_loss', 'valid_loss', ...this.metricNames, 'time'];
  }

  /** The metrics' display names (`error_rate`, ...). */
  get metricNames(): string[] {
    return this.learn.metrics.map((m) => metricName(m));
  }

  /** The smoothed training loss so far in this fit (NaN before the first batch). */
  get smoothLoss(): number {
    return this.#smooth.value ?? NaN;
  }

  /**
   * Every fit since the Learner was made, oldest first (fineTune's frozen and unfrozen fits are
   * two), each with its epoch table and per-batch curves; the learning-rate finder's own fits are
   * left out. The last record is live while its fit runs.
   */
  get history(): readonly FitRecord[] {
    return this.#history.map((r) => (r === this.#current ? { ...r, hps: this.hps } : r));
  }

  override beforeFit(): void {
    // ParamScheduler hands its values over in its afterFit, after ours: the last fit's hps are
    // only final now.
    if (this.#current) this.#current.hps = this.hps;
    this.#current = null;
    this.lrs = [];
    this.moms = [];
    this.losses = [];
    this.iters = [];
    this.values = [];
    this.epochTimes = [];
    this.hps = {};
    this.lastLog = null;
    this.#smooth.reset();
    const learn = this.learn;
    if (learn.cbs.some((c) => c instanceof LRFinder)) return; // lrFind's trial fit is not part of the run
    const opt = learn.opt;
    const groups = opt?.paramGroups ?? [];
    this.#current = {
      names: this.names, nEpoch: learn.nEpoch, epochs: [], values: this.values, epochTimes: this.epochTimes,
      lrs: this.lrs, moms: this.moms, losses: this.losses, iters: this.iters, hps: {},
      startLrs: opt ? opt.hypers.map((h) => h.lr ?? NaN) : [], groups: groups.length,
      frozenGroups: groups.filter((g) => g.some((p) => !p.requiresGrad)).length, stopped: false,
    };
    this.#history.push(this.#current);
  }

  override beforeEpoch(): void {
    this.#start = performance.now();
    this.#trainLoss = NaN;
    this.#validLoss = NaN;
  }

  override beforeValidate(): void {
    this.resetValid();
  }

  /** Forgets this epoch's validation loss and metrics so far (DistributedTrainer replays the gathered set). */
  resetValid(): void {
    this.#valid.reset();
    for (const m of this.learn.metrics) m.reset();
  }

  /**
   * Adds one validation batch to the validation loss (weighted by its size) and the metrics:
   * what `afterBatch` does with the loop's batch; DistributedTrainer feeds it the whole gathered
   * validation set instead.
   */
  accumulateValid(pred: Tensor, targ: Tensor, loss: Tensor): void {
    const bs = batchSize(targ);
    this.#valid.accumulate(torch.tidy(() => loss.float().item()), bs);
    for (const m of this.learn.metrics) m.accumulate({ pred, targ, loss, bs });
  }

  override afterBatch(): void {
    const learn = this.learn;
    const loss = learn.lossValue;
    if (learn.training) {
      if (Number.isNaN(loss)) return; // cancelled before the loss
      this.#smooth.accumulate(loss);
      this.losses.push(this.smoothLoss);
      const hypers = learn.opt?.hypers;
      const last = hypers?.[hypers.length - 1];
      this.lrs.push(last?.lr ?? NaN);
      this.moms.push(last?.mom ?? NaN);
      return;
    }
    const targ = learn.yb[0];
    if (!targ || !learn.pred || !learn.loss) return;
    this.accumulateValid(learn.pred, targ, learn.loss);
  }

  override afterTrain(): void {
    this.#trainLoss = this.smoothLoss;
  }

  override afterValidate(): void {
    this.#validLoss = this.#valid.value ?? NaN;
  }

  override afterEpoch(): void {
    const seconds = (performance.now() - this.#start) / 1000;
    const metrics = this.learn.metrics.map((m) => (Number.isNaN(this.#validLoss) ? NaN : m.value ?? NaN));
    this.values.push([this.#trainLoss, this.#validLoss, ...metrics]);
    this.epochTimes.push(seconds);
    this.iters.push(this.losses.length);
    this.lastLog = { epoch: this.learn.epoch, trainLoss: this.#trainLoss, validLoss: this.#validLoss, metrics, seconds };
    this.#current?.epochs.push(this.learn.epoch);
  }

  override afterFit(): void {
    if (this.#current) this.#current.stopped = this.learn.stopping;
  }

  /** fastai's `plot_loss`: smoothed training loss per batch from `skipStart` (default 5), validation loss per epoch. See {@link plotLoss}. */
  plotLoss(options: PlotLossOptions = {}): Promise<Buffer> {
    return drawLoss(this, options);
  }

  /** fastai's `plot_sched`: each scheduled hyper-parameter (lr, mom, ...) per batch. See {@link plotSched}. */
  plotSched(options: PlotSchedOptions = {}): Promise<Buffer> {
    return drawSched(this, options);
  }

  /** Losses and each metric per epoch, one panel each. See {@link plotMetrics}. */
  plotMetrics(options: PlotFileOptions = {}): Promise<Buffer> {
    return drawMetrics(this, options);
  }

  /**
   * fastai's `plot_lr_find` on the curve the last `learn.lrFind()` recorded; pass its result's
   * `points` to mark the suggestions. See {@link plotLrFind}.
   */
  plotLrFind(options: PlotLrFindOptions & { points?: LrFindCurve['points'] } = {}): Promise<Buffer> {
    return drawLrFind({ lrs: this.lrs, losses: this.losses, ...(options.points ? { points: options.points } : {}) }, options);
  }

  /** The value of column `name` ('train_loss', 'valid_loss' or a metric) in epoch row `row` (default the last). */
  value(name: string, row = this.values.length - 1): number {
    const names = this.names.slice(1, -1);
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`Recorder: no column '${name}'; the columns are ${names.join(', ')}`);
    const r = this.values[row];
    if (!r) throw new RangeError(`Recorder: no epoch ${row} recorded (${this.values.length} so far)`);
    return r[i]!;
  }
}

function batchSize(t: Tensor): number {
  return t.ndim > 0 ? t.shape[0]! : 1;
}
