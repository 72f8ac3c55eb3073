/**
 * `fastai-ts launch --nproc-per-node 2 -- train <folder> ...`: torchrun for fastai-ts. Starts
 * one process per rank on this machine with torchrun's environment (RANK, LOCAL_RANK,
 * WORLD_SIZE, MASTER_ADDR, MASTER_PORT, ...), so `torch.distributed.initProcessGroup()` in each
 * joins one group. What runs is a fastai-ts command, a Node script, or (with --no-node) any
 * program. When a rank fails, the others are stopped and the launch fails naming that rank.
 *
 * This module loads no engine: the launcher only starts and watches processes, so main.ts
 * builds it a program of its own ({@link launchProgram}) instead of the full one.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import { Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { addGlobalFlags, flagsOf, type GlobalFlags, intAtLeast } from '../flags.js';
import { rankPoolSize } from '../thread-pool.js';

/**
 * The fastai-ts commands a launch can run. The launcher does not load them (that would load
 * the engine); a test keeps this list in step with program.ts.
 */
export const COMMANDS = ['demo', 'train', 'lr-find', 'summary', 'show-batch', 'interpret', 'predict', 'info'] as const;

/** The flags of `launch`, named as torchrun's. */
export interface LaunchFlags {
  /** Processes (ranks) on this machine. Default 1. */
  nprocPerNode: number;
  /** Machines taking part. Default 1. */
  nnodes: number;
  /** This machine's number, 0 to nnodes - 1. Default 0. */
  nodeRank: number;
  /** Address of the machine with node rank 0 (whose rank 0 hosts the store). Default '127.0.0.1'. */
  masterAddr: string;
  /** Port of the store. Default 29500. */
  masterPort: number;
  /** False with --no-node: run the command as a program of its own. Default true. */
  node: boolean;
}

/** What every rank runs: `file args...`. */
export interface Worker {
  file: string;
  args: string[];
}

/** How this process was started, so ranks start the same way (under tsx, or the installed bin). */
export interface SelfStart {
  execPath: string;
  execArgv: readonly string[];
  /** The fastai-ts entry script (main.ts or dist/src/cli/main.js). */
  main: string;
}

/** A mistake in launch's own flags or command: commander prints it and the exit code is 2. */
export class LaunchUsageError extends Error {
  override name = 'LaunchUsageError';
}

const EXAMPLE = 'e.g. fastai-ts launch --nproc-per-node 2 -- train <folder> --label-re ...';
const SCRIPT = /\.[cm]?[jt]s$/;
/** How long the other ranks get to stop after SIGTERM before SIGKILL (torchrun waits 30 s). */
export const GRACE_MS = 10_000;

/** The usage mistake in `flags`, or undefined. `masterAddrGiven`: whether --master-addr was on the command line. */
export function checkFlags(flags: LaunchFlags, masterAddrGiven: boolean): string | undefined {
  if (flags.nodeRank >= flags.nnodes) {
    return `--node-rank ${flags.nodeRank} must be less than --nnodes ${flags.nnodes}: the machines are numbered 0 to ${flags.nnodes - 1}`;
  }
  if (flags.masterPort < 1 || flags.masterPort > 65535) return `--master-port ${flags.masterPort} is not a port; give one from 1 to 65535`;
  if (flags.nnodes > 1 && !masterAddrGiven) {
    return `--nnodes ${flags.nnodes} needs --master-addr: the address of the machine started with --node-rank 0, reachable from the others (the same on every machine)`;
  }
  return undefined;
}

/**
 * What each rank runs for the words after `--`: a fastai-ts command (started as this process
 * was, with the global flags), a Node script (.js, .mjs, .cjs, .ts: with this process's Node
 * flags, so a .ts script runs under tsx when fastai-ts does), or with `node` false any program.
 */
export function workerFor(words: readonly string[], node: boolean, self: SelfStart, globals: readonly string[] = []): Worker {
  const [first, ...rest] = words;
  if (first === undefined || first === '') throw new LaunchUsageError(`no command to run, ${EXAMPLE}`);
  if (!node) return { file: first, args: rest };
  if (first === 'launch') throw new LaunchUsageError('launch cannot launch itself: give the command each rank runs, ' + EXAMPLE);
  if ((COMMANDS as readonly string[]).includes(first)) return { file: self.execPath, args: [...self.execArgv, self.main, ...globals, ...words] };
  if (SCRIPT.test(first)) {
    if (!existsSync(first)) throw new LaunchUsageError(`the script ${first} does not exist; check the path`);
    return { file: self.execPath, args: [...self.execArgv, ...words] };
  }
  throw new LaunchUsageError(
    `'${first}' is neither a fastai-ts command (${COMMANDS.join(', ')}) nor a Node script (.js, .mjs, .cjs, .ts); to run another program, add --no-node`,
  );
}

/**
 * The OMP_NUM_THREADS (intra-op threads) of each rank: the user's, else with several ranks
 * the cores shared out (at least 1) so they do not oversubscribe the machine (torchrun sets
 * 1); `chosen` when the launcher chose it. Undefined: leave it unset (one rank uses every core).
 */
export function ompThreads(env: NodeJS.ProcessEnv, cores: number, nproc: number): { value: string; chosen: boolean } | undefined {
  const own = env.OMP_NUM_THREADS;
  if (own !== undefined && own !== '') return { value: own, chosen: false };
  return nproc > 1 ? { value: String(Math.max(1, Math.floor(cores / nproc))), chosen: true } : undefined;
}

/** The environment of the rank with `localRank` on this machine: torchrun's variables over `env`. */
export function rankEnv(flags: LaunchFlags, localRank: number, env: NodeJS.ProcessEnv, cores: number): NodeJS.ProcessEnv {
  const nproc = flags.nprocPerNode;
  const omp = ompThreads(env, cores, nproc);
  return {
    ...env,
    RANK: String(flags.nodeRank * nproc + localRank),
    LOCAL_RANK: String(localRank),
    WORLD_SIZE: String(flags.nnodes * nproc),
    LOCAL_WORLD_SIZE: String(nproc),
    GROUP_RANK: String(flags.nodeRank),
    GROUP_WORLD_SIZE: String(flags.nnodes),
    MASTER_ADDR: flags.masterAddr,
    MASTER_PORT: String(flags.masterPort),
    ...(omp && { OMP_NUM_THREADS: omp.value }),
    // Set, so a rank does not start itself again to size its pool (main.ts).
    UV_THREADPOOL_SIZE: rankPoolSize(env, cores, nproc),
  };
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** The environment the ranks inherit. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Cores of this machine. Default availableParallelism(). */
  cores?: number;
  /** Where the launcher's own notes go. Default process.stderr. */
  stderr?: NodeJS.WritableStream;
  /** No note about OMP_NUM_THREADS. Default false. */
  quiet?: boolean;
}

/**
 * Runs `worker` as `flags.nprocPerNode` ranks and resolves with the exit code once every rank
 * has exited: 0 when all exited with 0; 128 + the signal number after SIGINT or SIGTERM
 * reached the launcher (it forwards them to the ranks). When a rank fails (a non-zero code or
 * a signal), the others get SIGTERM, then SIGKILL after {@link GRACE_MS}, and it rejects with a
 * CliError naming the rank, its pid and how it ended.
 */
export function launch(flags: LaunchFlags, worker: Worker, options: LaunchOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cores = options.cores ?? availableParallelism();
  const stderr = options.stderr ?? process.stderr;
  const omp = ompThreads(env, cores, flags.nprocPerNode);
  if (omp?.chosen && !options.quiet) {
    stderr.write(
      `fastai-ts launch: OMP_NUM_THREADS is not set: each of the ${flags.nprocPerNode} ranks gets ${omp.value} intra-op thread${omp.value === '1' ? '' : 's'} ` +
        `(${cores} cores / ${flags.nprocPerNode} ranks) so they do not oversubscribe the cores; set OMP_NUM_THREADS to choose\n`,
    );
  }
  return new Promise((resolve, reject) => {
    const running = new Map<number, ChildProcess>();
    let failure: string | undefined;
    let interrupted: NodeJS.Signals | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stopOthers = () => {
      for (const child of running.values()) child.kill('SIGTERM');
      killTimer = setTimeout(() => {
        for (const child of running.values()) child.kill('SIGKILL');
      }, GRACE_MS);
    };
    const onSignal = (sig: NodeJS.Signals) => {
      // Ctrl-C in a terminal reaches the ranks too (one process group), as under torchrun;
      // interrupt.ts counts the two deliveries as one.
      interrupted ??= sig;
      for (const child of running.values()) child.kill(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const ended = (localRank: number, rank: number, pid: number | undefined, how: string | null) => {
      if (!running.delete(localRank)) return;
      if (how !== null && failure === undefined && interrupted === undefined) {
        failure = `rank ${rank}${pid === undefined ? '' : ` (pid ${pid})`} ${how}${running.size ? '; stopped the other ranks' : ''}`;
        stopOthers();
      }
      if (running.size > 0) return;
      clearTimeout(killTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (interrupted) resolve(128 + constants.signals[interrupted]);
      else if (failure) reject(new CliError(failure));
      else resolve(0);
    };

    for (let localRank = 0; localRank < flags.nprocPerNode; localRank++) {
      const rank = flags.nodeRank * flags.nprocPerNode + localRank;
      const child = spawn(worker.file, worker.args, { stdio: 'inherit', env: rankEnv(flags, localRank, env, cores) });
      running.set(localRank, child);
      child.on('error', (e: NodeJS.ErrnoException) => {
        // A failed start ('exit' does not follow); a failed kill of a live child is not an end.
        if (child.pid === undefined) ended(localRank, rank, undefined, `could not start ${worker.file} (${e.code ?? e.message})`);
      });
      child.on('exit', (code, signal) => ended(localRank, rank, child.pid, code === 0 ? null : describeExit(code, signal)));
    }
  });
}

/** How this process was started (for the ranks). */
export function selfStart(): SelfStart {
  return { execPath: process.execPath, execArgv: process.execArgv, main: process.argv[1] ?? '' };
}

export function define(program: Command): Command {
  return program
    .command('launch')
    .description('run a command as several ranks of one process group (data-parallel training), as torchrun does')
    .usage('[options] -- <command> [args...]')
    .argument('[command...]', 'what each rank runs: a fastai-ts command (train ...), a Node script, or with --no-node any program')
    .addOption(new Option('--nproc-per-node <n>', 'processes (ranks) on this machine').default(1).argParser(intAtLeast(1)))
    .addOption(new Option('--nnodes <n>', 'machines taking part, each running fastai-ts launch').default(1).argParser(intAtLeast(1)))
    .addOption(new Option('--node-rank <k>', "this machine's number, 0 to nnodes - 1").default(0).argParser(intAtLeast(0)))
    .addOption(new Option('--master-addr <address>', 'address of the machine with --node-rank 0 (its rank 0 hosts the store)').default('127.0.0.1'))
    .addOption(new Option('--master-port <port>', 'port of the store on --master-addr').default(29500).argParser(intAtLeast(1)))
    .addOption(new Option('--no-node', "run the command as a program of its own, not as fastai-ts or Node (torchrun's --no-python)"))
    .showHelpAfterError('(the command each rank runs goes after --; add --help for the options and examples)')
    .addHelpText('after', `
Each rank gets torchrun's environment: RANK (node rank * nproc-per-node + local rank),
LOCAL_RANK, WORLD_SIZE (nnodes * nproc-per-node), LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR,
MASTER_PORT, and OMP_NUM_THREADS (when unset: the cores shared out). SIGINT and SIGTERM are
forwarded to the ranks. When a rank fails, the others are stopped and launch exits with 1.

Examples:
  fastai-ts launch --nproc-per-node 2 -- train ~/pets --label-re '^(.+)_\\d+\\.jpg$' --arch resnet18
  fastai-ts launch --nnodes 2 --node-rank 0 --master-addr 10.0.0.1 --nproc-per-node 4 -- train ~/data --label-parent
  fastai-ts launch --nproc-per-node 2 -- my-training.js --epochs 3
  fastai-ts launch --nproc-per-node 2 --no-node -- python3 train.py`)
    .action(async (words: string[], _opts: unknown, self: Command) => {
      const flags = flagsOf<LaunchFlags & GlobalFlags>(self);
      const bad = checkFlags(flags, self.getOptionValueSource('masterAddr') === 'cli');
      if (bad) self.error(`error: ${bad}`, { exitCode: 2, code: 'fastai-ts.launch' });
      let worker: Worker;
      try {
        const globals = [...(flags.verbose ? ['--verbose'] : []), ...(flags.quiet ? ['--quiet'] : [])];
        worker = workerFor(words, flags.node, selfStart(), globals);
      } catch (e) {
        if (e instanceof LaunchUsageError) self.error(`error: ${e.message}`, { exitCode: 2, code: 'fastai-ts.launch' });
        throw e;
      }
      process.exitCode = await launch(flags, worker, { quiet: flags.quiet });
    });
}

/**
 * A program with the global flags and `launch` only, for main.ts: the launcher needs neither
 * the other commands nor the engine they load.
 */
export function launchProgram(): Command {
  const p = addGlobalFlags(new Command('fastai-ts')).exitOverride();
  define(p).exitOverride();
  return p;
}
