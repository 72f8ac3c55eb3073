/**
 * ReduceLROnPlateau: divides the learning rate when the monitored value stalls (fastai's).
 * @module
 */
import { TrackerCallback, type TrackerOptions } from './tracker.js';

/** Options for {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions extends TrackerOptions {
  /** Epochs without improvement before reducing. Default 1. */
  patience?: number;
  /** Divide the learning rates by this. Default 10. */
  factor?: number;
  /** Never go below this. Default 0. */
  minLr?: number;
}

/** Divides every group's learning rate by `factor` after `patience` epochs without improvement. */
export class ReduceLROnPlateau extends TrackerCallback {
  readonly patience: number;
  readonly factor: number;
  readonly minLr: number;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super(options);
    this.patience = options.patience ?? 1;
    this.factor = options.factor ?? 10;
    this.minLr = options.minLr ?? 0;
    if (!(this.factor > 1)) throw new RangeError(`ReduceLROnPlateau: factor must be > 1, got ${this.factor}`);
  }

  override afterEpoch(): void {
    super.afterEpoch();
    if (this.wait < this.patience) return;
    this.wait = 0; // wait another `patience` epochs before reducing again
    const opt = this.learn.opt;
    if (!opt) return;
    const old = opt.hypers.map((h) => h.lr!);
    const lrs = old.map((lr) => Math.max(lr / this.factor, this.minLr));
    opt.setHyper('lr', lrs);
    if (lrs[lrs.length - 1]! < old[old.length - 1]! && this.learn.isMainProcess) process.stderr.write(`Epoch ${this.learn.epoch}: reducing lr to ${lrs[lrs.length - 1]}\n`);
  }
}
