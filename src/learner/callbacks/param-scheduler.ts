/**
 * ParamScheduler: sets hyper-parameters before every training batch from schedules of the
 * fraction of training done (fastai's; fitOneCycle, fitFlatCos and fitSgdr are built on it).
 * @module
 */
import { Callback } from '../callback.js';
import type { Schedule } from '../schedule.js';

/** One schedule for every group, or one per parameter group. */
export type HyperSchedule = Schedule | readonly Schedule[];

/**
 * Sets each named hyper-parameter (`lr`, `mom`, ...) to its schedule's value at `pctTrain`
 * (0 at the first batch of the fit) before every training batch, and records the values in
 * `recorder.hps`.
 * @example
 * new ParamScheduler({ lr: schedCos(1e-3, 1e-5) })
 */
export class ParamScheduler extends Callback {
  override order = 60;
  override runValid = false;
  /** The values set, per hyper-parameter, one entry per batch (one value per group). */
  hps: Record<string, number[][]> = {};

  constructor(readonly scheds: Readonly<Record<string, HyperSchedule>>) {
    super();
    for (const [name, s] of Object.entries(scheds)) {
      const all = typeof s === 'function' ? [s] : s;
      if (!all.length || !all.every((f) => typeof f === 'function')) {
        throw new TypeError(`ParamScheduler: the schedule of '${name}' must be a function of the training position (or one per group), e.g. schedCos(1e-3, 1e-5)`);
      }
    }
  }

  override beforeFit(): void {
    this.hps = Object.fromEntries(Object.keys(this.scheds).map((k) => [k, []]));
  }

  override beforeBatch(): void {
    const opt = this.learn.opt;
    if (!opt) return;
    const pos = Math.min(Math.max(this.learn.pctTrain, 0), 1);
    for (const [name, s] of Object.entries(this.scheds)) {
      if (typeof s === 'function') opt.setHyper(name, s(pos));
      else {
        if (s.length !== opt.paramGroups.length) {
          throw new RangeError(`ParamScheduler: '${name}' has ${s.length} schedules for ${opt.paramGroups.length} parameter groups`);
        }
        opt.setHyper(name, s.map((f) => f(pos)));
      }
    }
  }

  override afterBatch(): void {
    const opt = this.learn.opt;
    if (!opt) return;
    for (const name of Object.keys(this.scheds)) this.hps[name]!.push(opt.hypers.map((h) => h[name]!));
  }

  override afterFit(): void {
    const recorder = this.learn.cbs.find((c) => c.name === 'recorder') as { hps?: Record<string, number[][]> } | undefined;
    if (recorder) recorder.hps = this.hps;
  }
}
