/**
 * The learning-rate finder (fastai's `LRFinder` and `lr_find`): trains on training batches with
 * an exponentially growing learning rate, records the smoothed loss, stops when it diverges,
 * restores the weights and optimizer, and suggests learning rates from the curve.
 * @module
 */
import { torch } from '../../torch/index.js';
import { Callback, CancelFit, CancelValid } from '../callback.js';
import type { Learner } from '../learner.js';
import { trainBatches } from './distributed-trainer.js';

/** A suggested learning rate and the point of the curve it came from (for plots). */
export interface Suggestion {
  lr: number;
  point: { lr: number; loss: number };
}

/** A suggestion rule over the recorded (trimmed) curve; `suggestName` names its field in the result. */
export interface SuggestFunc<N extends string = string> {
  (lrs: readonly number[], losses: readonly number[], numIt: number): Suggestion;
  readonly suggestName: N;
}

function named<N extends string>(name: N, f: (lrs: readonly number[], losses: readonly number[], numIt: number) => Suggestion): SuggestFunc<N> {
  return Object.assign(f, { suggestName: name });
}

function argmin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[best]!) best = i;
  return best;
}

/** The learning rate at the minimum loss, divided by 10 (fastai's `minimum`). */
export const minimum = named('minimum', (lrs, losses) => {
  const i = argmin(losses);
  return { lr: lrs[i]! / 10, point: { lr: lrs[i]!, loss: losses[i]! } };
});

/** The learning rate where the loss falls fastest against log(lr) (fastai's `steep`). */
export const steep = named('steep', (lrs, losses) => {
  const grads = losses.slice(1).map((l, i) => (l - losses[i]!) / (Math.log(lrs[i + 1]!) - Math.log(lrs[i]!)));
  const i = argmin(grads);
  return { lr: lrs[i]!, point: { lr: lrs[i]!, loss: losses[i]! } };
});

/**
 * fastai's `valley` (the default): the longest run of decreasing losses (as the longest
 * decreasing subsequence, O(n^2)); with its start s and end e, the lr at
 * `s + int((e-s)/3) + int((e-s)/6)`.
 */
export const valley = named('valley', (lrs, losses) => {
  const n = losses.length;
  let maxStart = 0;
  let maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  // fastai's loop, including where it updates the best run (inside the inner loop).
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i]! < losses[j]! && lds[i]! < lds[j]! + 1) lds[i] = lds[j]! + 1;
      if (lds[maxEnd]! < lds[i]!) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd]!;
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const at = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  // maxStart is one before the run (fastai's), so -1 when it starts at 0: Python's lrs[-1] is the last
  const idx = at < 0 ? n + at : at;
  return { lr: lrs[idx]!, point: { lr: lrs[idx]!, loss: losses[idx]! } };
});

/** NumPy's `gradient` with unit spacing: central differences inside, one-sided at the ends. */
function gradient(xs: readonly number[]): number[] {
  const n = xs.length;
  if (n < 2) return xs.map(() => 0);
  return xs.map((_, i) => (i === 0 ? xs[1]! - xs[0]! : i === n - 1 ? xs[n - 1]! - xs[n - 2]! : (xs[i + 1]! - xs[i - 1]!) / 2));
}

/** Linear interpolation of (xs, ys) at x, xs increasing (NumPy's `interp`). */
function interp(x: number, xs: readonly number[], ys: readonly number[]): number {
  if (x <= xs[0]!) return ys[0]!;
  for (let i = 1; i < xs.length; i++) {
    if (x <= xs[i]!) return ys[i - 1]! + ((x - xs[i - 1]!) / (xs[i]! - xs[i - 1]!)) * (ys[i]! - ys[i - 1]!);
  }
  return ys[ys.length - 1]!;
}

/**
 * fastai's `slide`: from the right end, a 15-point window over the loss gradient moves left
 * while the gradients at its two ends differ by more than 0.005; the lr at its left end.
 */
export const slide = named('slide', (lrs, losses) => {
  const lrDiff = 15;
  const thresh = 0.005;
  const g = gradient(losses);
  const n = losses.length;
  const at = (i: number) => (i < 0 ? n + i : i);
  let r = -1;
  let l = r - lrDiff;
  let lr = lrs[at(l)] ?? lrs[0]!;
  while (l >= -n && Math.abs(g[at(r)]! - g[at(l)]!) > thresh) {
    lr = lrs[at(l)]!;
    r--;
    l--;
  }
  const loss = interp(Math.log10(lr), lrs.map(Math.log10), losses);
  return { lr, point: { lr, loss } };
});

/** What {@link LRFinder} runs with. */
export interface LRFinderOptions {
  /** Default 1e-7. */
  startLr?: number | readonly number[];
  /** Default 10. */
  endLr?: number | readonly number[];
  /** Training batches to record. Default 100. */
  numIt?: number;
  /** Stop once the smoothed loss is above 4x the best (or NaN). Default true. */
  stopDiv?: boolean;
}

/**
 * Sets the learning rate of batch i to `startLr * (endLr/startLr)^(i/numIt)`, skips
 * validation, and cancels the fit after numIt batches or when the loss diverges. Used by
 * `learn.lrFind()`, which also restores the model afterwards.
 */
export class LRFinder extends Callback {
  override order = 60;
  override runValid = false;
  readonly startLr: number | readonly number[];
  readonly endLr: number | readonly number[];
  readonly numIt: number;
  readonly stopDiv: boolean;
  #best = Infinity;

  constructor(options: LRFinderOptions = {}) {
    super();
    this.startLr = options.startLr ?? 1e-7;
    this.endLr = options.endLr ?? 10;
    this.numIt = options.numIt ?? 100;
    this.stopDiv = options.stopDiv ?? true;
  }

  override beforeFit(): void {
    this.#best = Infinity;
  }

  override beforeBatch(): void {
    const opt = this.learn.opt;
    if (!opt) return;
    const pos = this.learn.trainIter / this.numIt;
    const n = opt.paramGroups.length;
    const per = (v: number | readonly number[]) => (typeof v === 'number' ? new Array<number>(n).fill(v) : [...v]);
    const start = per(this.startLr);
    const end = per(this.endLr);
    opt.setHyper('lr', start.map((s, i) => s * (end[i]! / s) ** pos));
  }

  override afterBatch(): void {
    const smooth = this.learn.recorder.smoothLoss;
    if (smooth < this.#best) this.#best = smooth;
    if (this.stopDiv && (smooth > 4 * this.#best || Number.isNaN(smooth))) throw new CancelFit('lrFind: the loss diverged');
    if (this.learn.trainIter >= this.numIt) throw new CancelFit('lrFind: done');
  }

  override beforeValidate(): void {
    throw new CancelValid();
  }
}

/** Options for `learn.lrFind`, fastai's defaults. */
export interface LrFindOptions<N extends string = 'valley'> extends LRFinderOptions {
  /** The rules to apply to the curve; each gives one field of the result. Default [valley]. */
  suggestFuncs?: readonly SuggestFunc<N>[];
}

/** What `learn.lrFind` returns: one field per suggestion, and the curve for plotting. */
export type LrFindResult<N extends string = 'valley'> = { readonly [K in N]: number } & {
  /** The learning rate of every recorded batch. */
  lrs: number[];
  /** The smoothed loss of every recorded batch. */
  losses: number[];
  /** Where each suggestion sits on the curve. */
  points: { readonly [K in N]: { lr: number; loss: number } };
};

/**
 * What a Learner keeps of its last `lrFind` ({@link Learner.lrFindResult}): the curve, each
 * suggestion's value by rule name and its point on the curve. It draws with `plotLrFind`.
 */
export interface LrFindRecord {
  /** The learning rate of every recorded batch. */
  readonly lrs: readonly number[];
  /** The smoothed loss of every recorded batch. */
  readonly losses: readonly number[];
  /** Each rule's suggested learning rate, e.g. `{ valley: 1.2e-3 }`. */
  readonly suggestions: Readonly<Record<string, number>>;
  /** Where each suggestion sits on the curve. */
  readonly points: Readonly<Record<string, { lr: number; loss: number }>>;
}

/**
 * fastai's `lr_find`: trains with {@link LRFinder} on training batches only, then restores the
 * weights, the optimizer state and the training loader's epoch, and applies the suggestion
 * rules to `lrs[numIt/10 : -5]` (cut at the first NaN loss). Keeps the result in
 * `learn.lrFindResult` (for reports).
 */
export async function lrFind<N extends string = 'valley'>(learn: Learner, options: LrFindOptions<N> = {}): Promise<LrFindResult<N>> {
  const numIt = options.numIt ?? 100;
  if (!Number.isInteger(numIt) || numIt < 10) throw new RangeError(`lrFind: numIt must be an integer >= 10 (batches to record), got ${numIt}`);
  const suggestFuncs = options.suggestFuncs ?? ([valley] as unknown as readonly SuggestFunc<N>[]);
  const opt = learn.opt ?? learn.createOpt();
  // An in-memory copy of everything training changes (fastai writes _tmp.pth to disk).
  const modelCopy = torch.tidy(() => Object.fromEntries(Object.entries(learn.model.stateDict()).map(([k, t]) => [k, torch.keep(t.detach().clone())])));
  const optState = opt.stateDict();
  const optCopy = { tensors: Object.fromEntries(Object.entries(optState.tensors).map(([k, t]) => [k, torch.keep(torch.tidy(() => t.detach().clone()))])), meta: structuredClone(optState.meta) };
  const hypers = opt.hypers.map((h) => ({ ...h }));
  const epoch = learn.dls.train.epoch;
  // A distributed fit runs each rank's share of the batches, fewer than the loader's.
  const nEpoch = Math.floor(numIt / Math.max(trainBatches(learn), 1)) + 1;
  try {
    await learn.withoutProgress(() => learn.fit(nEpoch, undefined, { cbs: [new LRFinder({ ...options, numIt })] }));
  } finally {
    learn.model.loadStateDict(modelCopy);
    opt.clearState();
    opt.loadStateDict(optCopy);
    for (const name of Object.keys(hypers[0] ?? {})) opt.setHyper(name, hypers.map((h) => h[name]!));
    learn.dls.train.epoch = epoch;
    torch.dispose(modelCopy);
    torch.dispose(optCopy.tensors);
  }
  const recLrs = learn.recorder.lrs.slice();
  const recLosses = learn.recorder.losses.slice();
  let lrs = recLrs.slice(Math.floor(numIt / 10), -5);
  let losses = recLosses.slice(Math.floor(numIt / 10), -5);
  const nan = losses.findIndex((l) => Number.isNaN(l));
  if (nan >= 0) {
    lrs = lrs.slice(0, nan);
    losses = losses.slice(0, nan);
  }
  if (losses.length < 2) {
    throw new Error(`lrFind: only ${recLosses.length} batches were recorded before the loss diverged or the data ran out, too few to suggest a learning rate; lower startLr, or raise numIt`);
  }
  const out: Record<string, unknown> = { lrs: recLrs, losses: recLosses };
  const points: Record<string, { lr: number; loss: number }> = {};
  const suggestions: Record<string, number> = {};
  for (const f of suggestFuncs) {
    const s = f(lrs, losses, numIt);
    out[f.suggestName] = s.lr;
    suggestions[f.suggestName] = s.lr;
    points[f.suggestName] = s.point;
  }
  out.points = points;
  learn.lrFindResult = { lrs: recLrs.slice(), losses: recLosses.slice(), suggestions, points: structuredClone(points) };
  return out as LrFindResult<N>;
}
