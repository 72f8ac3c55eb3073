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

/** Starts the worker, or returns null when no python with torch is found. */
export async function startWorker(threads: number): Promise<PyTorchWorker | null> {
  const py = findPython();
  if (!py) return null;
  const script = fileURLToPath(new URL('./worker.py', import.meta.url));
  const child = spawn(py, [script], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the PyTorch worker exited');
    return JSON.parse(value as string);
  };
  const hello = await next();
  return {
    version: `PyTorch ${hello.torch}, torchvision ${hello.torchvision} (${py})`,
    async run(cmd) {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      const out = await next();
      if (out.error) throw new Error(`PyTorch worker: ${out.error}`);
      return out;
    },
    close: () => child.stdin!.end(),
  };
}

/** Lets the other side's OpenMP threads stop spinning before the next timed run. */
export const pause = () => new Promise((r) => setTimeout(r, 250));
