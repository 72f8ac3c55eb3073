#!/usr/bin/env node
/**
 * The `fastai-ts` command: sizes libuv's thread pool to the machine (see thread-pool.ts), then
 * dispatches to `commands/`. Training commands arrive with the Learner.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { poolSizeToSet } from './thread-pool.js';

const HELP = `Usage: fastai-ts <command>

Commands:
  info     the libtorch build, threads and devices fastai-ts runs on
  help     this text`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help'] = argv;
  switch (command) {
    case 'info':
      return (await import('./commands/info.js')).info();
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      console.error(`fastai-ts: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

const pool = poolSizeToSet(process.env, availableParallelism());
if (pool !== undefined) {
  // Nothing heavy is loaded yet (commands are imported on demand), so starting again is cheap.
  const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: String(pool) },
  });
  process.exitCode = again.status ?? 1;
} else {
  process.exitCode = await main(process.argv.slice(2));
}
