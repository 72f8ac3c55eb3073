/**
 * SaveModelCallback: saves the model when the monitored value improves (or every epoch) and
 * loads the best one back at the end (fastai's).
 * @module
 */
import { TrackerCallback, type TrackerOptions } from './tracker.js';

/** Options for {@link SaveModelCallback}. */
export interface SaveModelOptions extends TrackerOptions {
  /** File name under `path/modelDir` (`.safetensors` added). Default 'model'. */
  fname?: string;
  /** Save after every epoch as `fname_<epoch>` instead of only on improvement. Default false. */
  everyEpoch?: boolean;
  /** Save once at the end of the fit instead (and do not reload). Default false. */
  atEnd?: boolean;
  /** Save the optimizer state too. Default false. */
  withOpt?: boolean;
}

/**
 * Keeps the best model of a fit: saves `fname` whenever `monitor` improves and, at the end of
 * the fit (also when it was stopped early), loads it back.
 */
export class SaveModelCallback extends TrackerCallback {
  readonly fname: string;
  readonly everyEpoch: boolean;
  readonly atEnd: boolean;
  readonly withOpt: boolean;
  /** The epoch whose weights were saved last as the best, or null. */
  bestEpoch: number | null = null;

  constructor(options: SaveModelOptions = {}) {
    super(options);
    this.fname = options.fname ?? 'model';
    this.everyEpoch = options.everyEpoch ?? false;
    this.atEnd = options.atEnd ?? false;
    this.withOpt = options.withOpt ?? false;
  }

  override beforeFit(): void {
    this.bestEpoch = null;
    super.beforeFit();
  }

  override afterEpoch(): void {
    const learn = this.learn;
    if (this.everyEpoch) {
      learn.save(`${this.fname}_${learn.epoch}`, { withOpt: this.withOpt });
      return;
    }
    super.afterEpoch();
    if (this.newBest && !this.atEnd) {
      if (learn.isMainProcess) process.stderr.write(`Better model found at epoch ${learn.epoch} with ${this.monitor} value: ${this.best}.\n`);
      learn.save(this.fname, { withOpt: this.withOpt });
      this.bestEpoch = learn.epoch;
    }
  }

  override afterFit(): void {
    const learn = this.learn;
    if (this.atEnd) learn.save(this.fname, { withOpt: this.withOpt });
    else if (!this.everyEpoch && this.bestEpoch !== null) learn.load(this.fname, { withOpt: this.withOpt });
  }
}
