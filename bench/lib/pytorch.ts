/**
 * The PyTorch baseline: a persistent Python worker (bench/lib/worker.py) that runs the same
 * workloads as the TypeScript side on request, so JavaScript and Python runs alternate within
 * one process run (machine noise hits both alike).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One workload for the worker (see worker.py). */
export interface WorkerCommand {
  model: string;
  dtype: 'float32' | 'bfloat16';
  mode: 'forward' | 'train';
  bs: number;
  size: number;
  warmup: number;
  iters: number;
  threads: number;
  channels_last?: boolean;
  momentum?: number;
  lr?: number;
}

export interface PyTorchWorker {
  /** e.g. "PyTorch 1.13.0a0, torchvision 0.14.1a0 (/usr/bin/python3)". */
  version: string;
  run(cmd: WorkerCommand): Promise<{ secs: number; ips: number }>;
  close(): void;
}

/**
 * The first python that imports `modules` (default torch and torchvision): $BENCH_PYTHON, else
 * python3, else /usr/bin/python3 (the PATH one may be a virtualenv without them).
 */
export function findPython(modules = 'torch, torchvision'): string | null {
  const candidates = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
  return candidates.find((py) => spawnSync(py, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0) ?? null;
}

/** A Python process that answers one JSON line per JSON command (after a hello line). */
export interface JsonWorker<Cmd, Reply> {
  /** From the hello line, e.g. "PyTorch 1.13.0a0 (/usr/bin/python3)". */
  version: string;
  run(cmd: Cmd): Promise<Reply>;
  close(): void;
}

/**
 * Starts `script` under the first python with torch (see {@link findPython}), or returns null.
 * The script prints a hello JSON line (its versions), then one reply line per command; a reply
 * with `error` is thrown.
 */
export async function startJsonWorker<Cmd, Reply>(
  script: string,
  env: Record<string, string>,
  version: (hello: Record<string, unknown>, py: string) => string,
  modules?: string,
): Promise<JsonWorker<Cmd, Reply> | null> {
  const py = findPython(modules);
  if (!py) return null;
  const child = spawn(py, [script], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the PyTorch worker exited');
    return JSON.parse(value as string) as Record<string, unknown>;
  };
  const hello = await next();
  return {
    version: version(hello, py),
    async run(cmd) {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      const out = await next();
      if (out.error) throw new Error(`PyTorch worker: ${String(out.error)}`);
      return out as Reply;
    },
    close: () => child.stdin!.end(),
  };
}

/** Starts the worker, or returns null when no python with torch is found. */
export function startWorker(threads: number): Promise<PyTorchWorker | null> {
  return startJsonWorker<WorkerCommand, { secs: number; ips: number }>(
    fileURLToPath(new URL('./worker.py', import.meta.url)),
    { OMP_NUM_THREADS: String(threads) },
    (hello, py) => `PyTorch ${String(hello.torch)}, torchvision ${String(hello.torchvision)} (${py})`,
  );
}

/** Lets the other side's OpenMP threads stop spinning before the next timed run. */
export const pause = () => new Promise((r) => setTimeout(r, 250));
