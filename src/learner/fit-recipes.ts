/**
 * fastai's fitting recipes over `Learner.fit`: one-cycle, fine-tuning (its five steps), flat
 * then cosine, and warm restarts. Each schedules the hyper-parameters with a ParamScheduler.
 * @module
 */
import { checkEpochs, checkFraction, checkLr, checkPositive } from './checks.js';
import { ParamScheduler } from './callbacks/param-scheduler.js';
import type { FitOptions, Learner } from './learner.js';
import { type LrSpec, slice } from './optimizer.js';
import { combinedCos, combineScheds, schedCos } from './schedule.js';

/** Options of {@link fitOneCycle}, fastai's defaults. */
export interface FitOneCycleOptions extends FitOptions {
  /** lr starts at lrMax/div. Default 25. */
  div?: number;
  /** lr ends at lrMax/divFinal. Default 1e5. */
  divFinal?: number;
  /** Fraction of the iterations spent warming up. Default 0.25. */
  pctStart?: number;
  /** Momentum start, middle and end. Default: the Learner's moms, [0.95, 0.85, 0.95]. */
  moms?: readonly [number, number, number];
}

/** Options of {@link fineTune}, fastai's defaults. */
export interface FineTuneOptions extends FitOptions {
  /** Epochs with the body frozen first. Default 1. */
  freezeEpochs?: number;
  /** The unfrozen phase spreads `slice(baseLr/lrMult, baseLr)` over the groups. Default 100. */
  lrMult?: number;
  /** pctStart of the unfrozen phase. Default 0.3. */
  pctStart?: number;
  /** div of the unfrozen phase. Default 5. */
  div?: number;
  /** Default 1e5. */
  divFinal?: number;
  /** Default: the Learner's moms. */
  moms?: readonly [number, number, number];
}

/** Options of {@link fitFlatCos}, fastai's defaults. */
export interface FitFlatCosOptions extends FitOptions {
  /** lr ends at lr/divFinal. Default 1e5. */
  divFinal?: number;
  /** Fraction of the iterations at the flat lr. Default 0.75. */
  pctStart?: number;
}

/** Options of {@link fitSgdr}, fastai's defaults. */
export interface FitSgdrOptions extends FitOptions {
  /** Each cycle is this many times longer than the one before. Default 2. */
  cycleMult?: number;
}

/**
 * fastai's one-cycle policy: the learning rate rises by cosine from `lrMax/div` to `lrMax`
 * over the first `pctStart` of the iterations, then falls by cosine to `lrMax/divFinal`;
 * momentum goes the other way, `moms[0]` -> `moms[1]` -> `moms[2]`. `lrMax` may be a slice
 * (default the Learner's `lr`).
 */
export async function fitOneCycle(learn: Learner, nEpoch: number, lrMax?: LrSpec, options: FitOneCycleOptions = {}): Promise<void> {
  const { div = 25, divFinal = 1e5, pctStart = 0.25, moms = learn.moms, ...fit } = options;
  checkPositive(div, 'fitOneCycle', 'div');
  checkPositive(divFinal, 'fitOneCycle', 'divFinal');
  checkFraction(pctStart, 'fitOneCycle', 'pctStart');
  const lrs = learn.setLr(lrMax ?? learn.lr);
  const scheds = {
    lr: lrs.map((l) => combinedCos(pctStart, l / div, l, l / divFinal)),
    mom: combinedCos(pctStart, moms[0], moms[1], moms[2]),
  };
  await learn.fit(nEpoch, lrs, { ...fit, cbs: [new ParamScheduler(scheds), ...(fit.cbs ?? [])] });
}

/**
 * fastai's transfer-learning recipe, in its five steps: freeze; `fitOneCycle(freezeEpochs,
 * slice(baseLr), { pctStart: 0.99 })`; halve baseLr; unfreeze; `fitOneCycle(epochs,
 * slice(baseLr/lrMult, baseLr), { pctStart, div })`.
 * @param epochs epochs with everything trainable
 * @param baseLr default 2e-3
 */
export async function fineTune(learn: Learner, epochs: number, baseLr = 2e-3, options: FineTuneOptions = {}): Promise<void> {
  const { freezeEpochs = 1, lrMult = 100, pctStart = 0.3, div = 5, ...common } = options;
  checkEpochs(freezeEpochs, 'fineTune: freezeEpochs');
  checkLr(baseLr, 'fineTune: baseLr');
  checkPositive(lrMult, 'fineTune', 'lrMult');
  learn.freeze();
  await learn.fitOneCycle(freezeEpochs, slice(baseLr), { ...common, pctStart: 0.99 });
  if (learn.stopping) return; // stopped (signal or learn.stop()) during the frozen phase
  baseLr /= 2;
  learn.unfreeze();
  await learn.fitOneCycle(epochs, slice(baseLr / lrMult, baseLr), { ...common, pctStart, div });
}

/**
 * A flat learning rate for the first `pctStart` of the iterations, then cosine annealing to
 * `lr/divFinal` (fastai's `fit_flat_cos`, for optimizers such as ranger).
 */
export async function fitFlatCos(learn: Learner, nEpoch: number, lr?: LrSpec, options: FitFlatCosOptions = {}): Promise<void> {
  const { divFinal = 1e5, pctStart = 0.75, ...fit } = options;
  checkFraction(pctStart, 'fitFlatCos', 'pctStart');
  const lrs = learn.setLr(lr ?? learn.lr);
  const scheds = { lr: lrs.map((l) => combinedCos(pctStart, l, l, l / divFinal)) };
  await learn.fit(nEpoch, lrs, { ...fit, cbs: [new ParamScheduler(scheds), ...(fit.cbs ?? [])] });
}

/**
 * Stochastic gradient descent with warm restarts (fastai's `fit_sgdr`): `nCycles` cosine
 * cycles from lrMax to 0, the first `cycleLen` epochs long, each `cycleMult` times longer
 * than the one before.
 */
export async function fitSgdr(learn: Learner, nCycles: number, cycleLen: number, lrMax?: LrSpec, options: FitSgdrOptions = {}): Promise<void> {
  const { cycleMult = 2, ...fit } = options;
  checkEpochs(nCycles, 'fitSgdr: nCycles');
  checkEpochs(cycleLen, 'fitSgdr: cycleLen');
  const lrs = learn.setLr(lrMax ?? learn.lr);
  const nEpoch = cycleMult === 1 ? cycleLen * nCycles : Math.floor((cycleLen * (cycleMult ** nCycles - 1)) / (cycleMult - 1));
  const pcts = Array.from({ length: nCycles }, (_, i) => (cycleLen * cycleMult ** i) / nEpoch);
  const scheds = { lr: lrs.map((l) => combineScheds(pcts, pcts.map(() => schedCos(l, 0)))) };
  await learn.fit(nEpoch, lrs, { ...fit, cbs: [new ParamScheduler(scheds), ...(fit.cbs ?? [])] });
}
