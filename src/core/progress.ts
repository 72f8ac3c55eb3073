/**
 * A small progress bar for long work (downloads, extraction, epochs), written to stderr.
 * On a terminal it redraws one line; otherwise it prints a line at every 25% so logs stay short.
 * `FASTAI_TS_QUIET=1` silences it.
 * @module
 */

/** Options for {@link progressBar}. */
export interface ProgressOptions {
  /** Total units (bytes, items); unknown totals show a running count. */
  total?: number;
  /** Text before the bar. */
  label?: string;
  /** Formats a count for display. Default: plain numbers. */
  format?: (n: number) => string;
  /** Where to write. Default: process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Print nothing. Default: `FASTAI_TS_QUIET` is set. */
  quiet?: boolean;
}

export interface ProgressBar {
  /** Sets the completed count. */
  update(done: number): void;
  /** Finishes the line (with an optional closing note). */
  finish(note?: string): void;
}

/** Formats a byte count as B/KB/MB/GB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Starts a progress bar. */
export function progressBar(options: ProgressOptions = {}): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const quiet = options.quiet ?? Boolean(process.env.FASTAI_TS_QUIET);
  const fmt = options.format ?? String;
  const label = options.label ? `${options.label} ` : '';
  const tty = Boolean(stream.isTTY);
  const start = Date.now();
  let lastQuarter = -1;
  let lastDraw = 0;
  let done = 0;

  const line = (): string => {
    const secs = (Date.now() - start) / 1000;
    if (!options.total) return `${label}${fmt(done)} ${secs.toFixed(1)}s`;
    const frac = Math.min(1, done / options.total);
    const width = 30;
    const filled = Math.round(frac * width);
    const eta = frac > 0 ? (secs / frac - secs).toFixed(0) : '?';
    return `${label}|${'█'.repeat(filled)}${' '.repeat(width - filled)}| ${(frac * 100).toFixed(0)}% ${fmt(done)}/${fmt(options.total)} [${secs.toFixed(1)}s<${eta}s]`;
  };

  return {
    update(n: number) {
      done = n;
      if (quiet) return;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100) return; // redraw at most 10 times a second
        lastDraw = now;
        stream.write(`\r${line()}\x1b[K`);
      } else if (options.total) {
        const quarter = Math.floor((4 * done) / options.total);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          stream.write(`${line()}\n`);
        }
      }
    },
    finish(note?: string) {
      if (quiet) return;
      const text = `${line()}${note ? ` ${note}` : ''}`;
      stream.write(tty ? `\r${text}\x1b[K\n` : lastQuarter >= 4 && !note ? '' : `${text}\n`);
    },
  };
}
