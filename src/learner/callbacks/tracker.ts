/**
 * TrackerCallback: follows one column of the epoch table (`valid_loss`, a metric) and knows
 * when it improved, for EarlyStopping, SaveModel and ReduceLROnPlateau (fastai's).
 * @module
 */
import { Callback } from '../callback.js';

/** Options shared by the callbacks that watch a column of the epoch table. */
export interface TrackerOptions {
  /** The column to watch: 'valid_loss', 'train_loss' or a metric's name. Default 'valid_loss'. */
  monitor?: string;
  /**
   * Which direction is better. Default as fastai: lower when the name contains 'loss' or
   * 'error', higher otherwise.
   */
  comp?: 'lower' | 'higher';
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Forget the best value at the start of each fit. Default true. */
  resetOnFit?: boolean;
}

/** fastai's rule: lower is better for losses and errors, higher for everything else. */
export function defaultComp(monitor: string): 'lower' | 'higher' {
  return monitor.includes('loss') || monitor.includes('error') ? 'lower' : 'higher';
}

/** Base of the callbacks that act when a monitored value improves or stalls. */
export abstract class TrackerCallback extends Callback {
  override order = 60;
  readonly monitor: string;
  readonly comp: 'lower' | 'higher';
  readonly minDelta: number;
  readonly resetOnFit: boolean;
  /** The best value seen. */
  best: number;
  /** Whether the epoch just finished set a new best. */
  newBest = false;
  /** Epochs since the last new best. */
  wait = 0;

  constructor(options: TrackerOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'valid_loss';
    this.comp = options.comp ?? defaultComp(this.monitor);
    this.minDelta = options.minDelta ?? 0;
    if (!Number.isFinite(this.minDelta) || this.minDelta < 0) throw new RangeError(`${this.constructor.name}: minDelta must be a number >= 0, got ${this.minDelta}`);
    this.resetOnFit = options.resetOnFit ?? true;
    this.best = this.worst;
  }

  private get worst(): number {
    return this.comp === 'lower' ? Infinity : -Infinity;
  }

  override beforeFit(): void {
    if (this.resetOnFit) this.best = this.worst;
    this.wait = 0;
    const names = this.learn.recorder.names.slice(1, -1);
    if (!names.includes(this.monitor)) {
      throw new Error(`${this.constructor.name}: cannot monitor '${this.monitor}'; the epoch table has ${names.join(', ')}`);
    }
  }

  override afterEpoch(): void {
    const val = this.learn.recorder.value(this.monitor);
    const better = this.comp === 'lower' ? val + this.minDelta < this.best : val - this.minDelta > this.best;
    this.newBest = better;
    if (better) this.best = val;
    this.wait = better ? 0 : this.wait + 1;
  }
}
