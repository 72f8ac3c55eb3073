/**
 * ProgressCallback: fastai's live epoch table (`epoch train_loss valid_loss error_rate time`)
 * and, on a terminal, a progress bar per phase with items per second.
 * @module
 */
import { Callback } from '../callback.js';
import type { EpochLog } from './recorder.js';

/** Options for {@link ProgressCallback}. */
export interface ProgressCallbackOptions {
  /** Where the table goes. Default process.stdout. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw the live bar. Default: when `stream` is a terminal (a log file gets only the table). */
  bar?: boolean;
}

/** `mm:ss` as fastai's `format_time` (hours when needed). */
export function formatTime(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A table cell as fastai prints it: losses and metrics with 6 decimals, `#na#` for a missing value. */
export function formatCell(v: number): string {
  return Number.isNaN(v) ? '#na#' : v.toFixed(6);
}

/**
 * Prints one table row per epoch, and a live bar on terminals. Leave it out with `quiet: true`.
 * Prints nothing outside the main process of a distributed run (`learn.isMainProcess`).
 */
export class ProgressCallback extends Callback {
  override order = 60;
  readonly #stream: NonNullable<ProgressCallbackOptions['stream']>;
  readonly #bar: boolean;
  #widths: number[] = [];
  #phaseStart = 0;
  #items = 0;
  #lastDraw = 0;
  #headerDone = false;

  constructor(options: ProgressCallbackOptions = {}) {
    super();
    this.#stream = options.stream ?? process.stdout;
    this.#bar = options.bar ?? Boolean(this.#stream.isTTY);
  }

  override beforeFit(): void {
    this.#headerDone = false;
  }

  override beforeTrain(): void {
    this.#startPhase();
  }

  override beforeValidate(): void {
    this.#startPhase();
  }

  override afterBatch(): void {
    if (!this.#bar || !this.learn.isMainProcess) return;
    const learn = this.learn;
    const y = learn.yb[0] ?? learn.xb[0];
    this.#items += y && y.ndim > 0 ? y.shape[0]! : 1;
    const now = performance.now();
    if (now - this.#lastDraw < 100 && learn.iter + 1 < learn.nIter) return;
    this.#lastDraw = now;
    const done = learn.iter + 1;
    const total = Math.max(learn.nIter, 1);
    const secs = (now - this.#phaseStart) / 1000;
    const width = 30;
    const filled = Math.round((Math.min(done, total) / total) * width);
    const rate = secs > 0 ? this.#items / secs : 0;
    const eta = done > 0 ? (secs / done) * (total - done) : 0;
    const phase = learn.training ? 'train' : 'valid';
    const loss = learn.training ? ` loss ${formatCell(learn.recorder.smoothLoss).slice(0, 6)}` : '';
    this.#stream.write(
      `\r${phase} epoch ${learn.epoch + 1}/${learn.nEpoch} |${'█'.repeat(filled)}${' '.repeat(width - filled)}| ${done}/${total} ` +
        `[${formatTime(secs)}<${formatTime(eta)}, ${rate.toFixed(1)} items/s]${loss}\x1b[K`,
    );
  }

  override afterTrain(): void {
    this.#clearBar();
  }

  override afterValidate(): void {
    this.#clearBar();
  }

  override afterEpoch(): void {
    const log = this.learn.recorder.lastLog;
    if (!log || !this.learn.isMainProcess) return;
    if (!this.#headerDone) {
      const names = this.learn.recorder.names;
      this.#widths = names.map((n) => Math.max(n.length, 8));
      this.#stream.write(`${this.#row(names)}\n`);
      this.#headerDone = true;
    }
    this.#stream.write(`${this.#row(cells(log))}\n`);
  }

  override afterFit(): void {
    this.#clearBar();
  }

  #startPhase(): void {
    this.#phaseStart = performance.now();
    this.#items = 0;
    this.#lastDraw = 0;
  }

  #clearBar(): void {
    if (this.#bar && this.learn.isMainProcess) this.#stream.write('\r\x1b[K');
  }

  #row(values: string[]): string {
    return values.map((v, i) => v.padEnd(this.#widths[i] ?? v.length)).join('  ').trimEnd();
  }
}

function cells(log: EpochLog): string[] {
  return [String(log.epoch), formatCell(log.trainLoss), formatCell(log.validLoss), ...log.metrics.map(formatCell), formatTime(log.seconds)];
}
