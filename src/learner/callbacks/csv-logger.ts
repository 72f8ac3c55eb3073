/**
 * CSVLogger: appends the epoch table to a CSV file (fastai's).
 * @module
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Callback } from '../callback.js';
import { formatTime } from './progress.js';

/** Writes `epoch,train_loss,valid_loss,<metrics>,time` to `fname` (under the Learner's path), one row per epoch. */
export class CSVLogger extends Callback {
  override order = 61;

  /**
   * @param fname default 'history.csv', relative to `learn.path`
   * @param append add to an existing file instead of starting it again. Default false.
   */
  constructor(
    readonly fname = 'history.csv',
    readonly append = false,
  ) {
    super();
  }

  /** The file written. */
  get file(): string {
    return isAbsolute(this.fname) ? this.fname : join(this.learn.path, this.fname);
  }

  override beforeFit(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const header = `${this.learn.recorder.names.join(',')}\n`;
    if (this.append) appendFileSync(this.file, header);
    else writeFileSync(this.file, header);
  }

  override afterEpoch(): void {
    const log = this.learn.recorder.lastLog;
    if (!log) return;
    const cells = [log.epoch, log.trainLoss, log.validLoss, ...log.metrics].map((v) => (Number.isNaN(v) ? '' : String(v)));
    appendFileSync(this.file, `${[...cells, formatTime(log.seconds)].join(',')}\n`);
  }
}
