/**
 * Runs a worker script as several ranks of one process group on 127.0.0.1, as
 * `fastai-ts launch` would (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, one thread each).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface RankResult {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line that parses as JSON (what the worker reports), or null. */
  result: unknown;
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function lastJson(text: string): unknown {
  for (const line of text.trim().split('\n').reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      // not the report line
    }
  }
  return null;
}

export interface RunRanksOptions {
  worldSize?: number;
  env?: NodeJS.ProcessEnv;
  /** Called with each rank's child as it starts (to kill one, say). */
  onStart?: (rank: number, child: import('node:child_process').ChildProcess) => void;
  /** Kills every rank still running after this long (ms). Default 120,000. */
  killAfterMs?: number;
}

/** Runs `script args...` once per rank and resolves with every rank's outcome, by rank. */
export async function runRanks(script: string, args: readonly string[], options: RunRanksOptions = {}): Promise<RankResult[]> {
  const worldSize = options.worldSize ?? 2;
  const port = await freePort();
  const runs = Array.from({ length: worldSize }, (_, rank) =>
    new Promise<RankResult>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
        env: {
          ...process.env, OMP_NUM_THREADS: '1', RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(worldSize),
          MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), ...options.env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 120_000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ rank, code, signal, stdout, stderr, result: lastJson(stdout) });
      });
      options.onStart?.(rank, child);
    }),
  );
  return Promise.all(runs);
}

/** Fails with every rank's output when a rank did not exit with 0. */
export function assertAllOk(results: readonly RankResult[]): void {
  const bad = results.filter((r) => r.code !== 0);
  if (bad.length) {
    throw new Error(bad.map((r) => `rank ${r.rank} exited with ${r.code ?? r.signal}:\n${r.stderr}\n${r.stdout}`).join('\n---\n'));
  }
}
