/**
 * The PyTorch baseline: a persistent Python worker (bench/lib/worker.py) that builds the same
 * workloads and times them on request, so JavaScript and Python runs can alternate in one
 * process run (a fair comparison on a machine whose speed drifts).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The first python3 that can import torch (and torchvision), or null. */
export function findPython(): string | null {
  for (const exe of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    try {
      execFileSync(exe, ['-c', 'import torch, torchvision'], { stdio: 'ignore' });
      return exe;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** A running worker. `call` sends one JSON request and resolves with its JSON reply. */
export class PyTorchWorker {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  readonly version: Promise<string>;

  constructor(python: string, threads: number) {
    const script = fileURLToPath(new URL('./worker.py', import.meta.url));
    this.proc = spawn(python, ['-u', script], { env: { ...process.env, BENCH_THREADS: String(threads) } });
    this.proc.stderr.on('data', (d: Buffer) => process.stderr.write(`[python] ${d}`));
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    this.version = this.call<{ version: string }>({ cmd: 'version' }).then((r) => r.version);
  }

  call<T>(request: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push((line) => {
        const reply = JSON.parse(line) as T & { error?: string };
        if (reply.error) reject(new Error(`PyTorch worker: ${reply.error}`));
        else resolve(reply);
      });
      this.proc.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}
