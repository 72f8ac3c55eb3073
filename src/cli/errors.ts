/**
 * How the command reports failure: one line saying what went wrong and what to do, the stack
 * only with `--verbose` (a user who mistyped a folder needs the fix, not a trace).
 * @module
 */

/** A mistake in what the user asked for (a missing folder, a bad flag value): one line, exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The first line of an error's message, with its causes' messages when they add something. */
export function oneLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const first = (s: string) => s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;
  let line = first(e.message || e.name);
  const cause = e.cause;
  if (cause instanceof Error) {
    const more = first(cause.message);
    if (more && !line.includes(more)) line += ` (${more})`;
  }
  return line;
}

/**
 * Prints `e` as the command's one-line error on stderr (the stack too when `verbose`) and
 * returns the exit code: 130 after Ctrl-C, 1 otherwise.
 */
export function reportError(e: unknown, verbose: boolean, stream: NodeJS.WritableStream = process.stderr): number {
  stream.write(`fastai-ts: ${oneLine(e)}\n`);
  if (verbose && e instanceof Error && e.stack) stream.write(`${e.stack}\n`);
  else if (!(e instanceof CliError)) stream.write('(run again with --verbose for the stack trace)\n');
  return 1;
}
