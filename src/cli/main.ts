#!/usr/bin/env node
/**
 * The `fastai-ts` command: sizes libuv's thread pool to the machine (see thread-pool.ts), then
 * hands the arguments to commander, which dispatches to one of `commands/`. Every failure ends
 * as one line on stderr (the stack with --verbose) and a non-zero exit code.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { CommanderError } from 'commander';
import { reportError } from './errors.js';
import { poolSizeToSet } from './thread-pool.js';

/**
 * Whether the command is `launch` (after only global flags): the launcher starts ranks and
 * waits for them, so it loads no engine and needs no larger pool.
 */
function isLaunch(argv: readonly string[]): boolean {
  const i = argv.findIndex((a) => a !== '--verbose' && a !== '--quiet');
  return argv[i] === 'launch';
}

async function main(argv: string[]): Promise<number> {
  // The commands load the engine; imported only once this is the process that runs them.
  const p = isLaunch(argv) ? (await import('./commands/launch.js')).launchProgram() : (await import('./program.js')).program();
  try {
    await p.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    // commander has printed its own message: 0 after --help/--version, else a usage error (2).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e, argv.includes('--verbose'));
  }
}

// `fastai-ts predict ... | head`: a closed pipe ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const pool = isLaunch(process.argv.slice(2)) ? undefined : poolSizeToSet(process.env, availableParallelism());
if (pool !== undefined) {
  // Nothing heavy has run yet, so starting again is cheap. The child handles Ctrl-C; this
  // process only waits for it (a handler keeps the signal from killing it first).
  process.on('SIGINT', () => {});
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(pool) },
  });
  process.exitCode = again.status ?? 1;
} else {
  process.exitCode = await main(process.argv.slice(2));
}
