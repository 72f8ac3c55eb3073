/**
 * EarlyStoppingCallback: ends training when the monitored value stops improving (fastai's).
 * @module
 */
import { CancelFit } from '../callback.js';
import { TrackerCallback, type TrackerOptions } from './tracker.js';

/** Options for {@link EarlyStoppingCallback}. */
export interface EarlyStoppingOptions extends TrackerOptions {
  /** Epochs without improvement before stopping. Default 1. */
  patience?: number;
}

/**
 * Stops the fit after `patience` epochs without improvement of `monitor` (default valid_loss).
 * @example
 * await learn.fit(20, 1e-3, { cbs: [new EarlyStoppingCallback({ monitor: 'error_rate', patience: 2 })] });
 */
export class EarlyStoppingCallback extends TrackerCallback {
  readonly patience: number;
  /** The epoch the fit stopped at, or null. */
  stoppedEpoch: number | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super(options);
    this.patience = options.patience ?? 1;
    if (!Number.isInteger(this.patience) || this.patience < 1) throw new RangeError(`EarlyStoppingCallback: patience must be an integer >= 1, got ${this.patience}`);
  }

  override beforeFit(): void {
    this.stoppedEpoch = null;
    super.beforeFit();
  }

  override afterEpoch(): void {
    super.afterEpoch();
    if (this.wait >= this.patience) {
      this.stoppedEpoch = this.learn.epoch;
      if (this.learn.isMainProcess) process.stderr.write(`No improvement since epoch ${this.learn.epoch - this.wait}: early stopping\n`);
      throw new CancelFit('early stopping');
    }
  }
}
