/**
 * Ctrl-C during long work: the first stops it gracefully (the Learner stops after the current
 * batch and the command still writes what was asked: export, report), the second exits at once.
 * @module
 */

/** Under a launcher, a second signal this soon after the first is the same Ctrl-C (ms). */
const REPEAT_MS = 500;

/** A signal the first Ctrl-C aborts; `dispose()` removes the handler. */
export interface Interrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Listens for SIGINT (Ctrl-C) and SIGTERM: the first aborts `signal` and says so on stderr; the
 * second exits with code 130 immediately.
 * @param what what is running, for the message. Default 'training'
 */
export function interruptSignal(what = 'training', stream: NodeJS.WritableStream = process.stderr): Interrupt {
  const controller = new AbortController();
  // A rank under a launcher (LOCAL_RANK set: fastai-ts launch, torchrun) gets a terminal's
  // Ctrl-C twice, from the terminal and forwarded by the launcher: one press, not two.
  const launched = process.env.LOCAL_RANK !== undefined;
  let first = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted && launched && Date.now() - first < REPEAT_MS) return;
    if (controller.signal.aborted) {
      stream.write(`\nfastai-ts: ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again: exiting now\n`);
      process.exit(130);
    }
    stream.write(`\nfastai-ts: stopping ${what} after the current batch (what was asked is still written); Ctrl-C again to quit now\n`);
    first = Date.now();
    controller.abort(new Error(`${what} was interrupted (${sig})`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
