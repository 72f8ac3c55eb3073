import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMMANDS, type LaunchFlags, rankEnv } from '../../src/cli/commands/launch.js';
import { torch } from '../../src/index.js';
import { freePort } from '../torch/distributed/ranks.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('./launch-worker.ts', import.meta.url));
const GROUP = fileURLToPath(new URL('./launch-group.ts', import.meta.url));

interface Report {
  pid: number;
  args: string[];
  env: Record<string, string | undefined>;
}

function reportsIn(stdout: string): Report[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Report).filter((r) => r.env !== undefined);
}

/** Runs `fastai-ts launch args...`; `onReports` sees the ranks' reports as they arrive. */
function launch(args: string[], options: { env?: NodeJS.ProcessEnv; onReports?: (r: Report[], launcher: number) => void } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; reports: Report[] }>((resolve) => {
    const env = { ...process.env, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'launch', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onReports?.(reportsIn(stdout), child.pid!);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, reports: reportsIn(stdout).sort((a, b) => Number(a.env.RANK) - Number(b.env.RANK)) });
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const flags = (f: Partial<LaunchFlags>): LaunchFlags => ({ nprocPerNode: 1, nnodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: 29500, node: true, ...f });

describe('fastai-ts launch', () => {
  it("gives each rank torchrun's environment", () => {
    const f = flags({ nprocPerNode: 2, nnodes: 3, nodeRank: 1, masterAddr: '10.0.0.1', masterPort: 1234 });
    const e = rankEnv(f, 1, { HOME: '/h' }, 16);
    assert.equal(e.RANK, String(1 * 2 + 1), 'RANK = node rank * nproc-per-node + local rank');
    assert.equal(e.LOCAL_RANK, '1');
    assert.equal(e.WORLD_SIZE, String(3 * 2));
    assert.equal(e.LOCAL_WORLD_SIZE, '2');
    assert.equal(e.GROUP_RANK, '1');
    assert.equal(e.GROUP_WORLD_SIZE, '3');
    assert.equal(e.MASTER_ADDR, '10.0.0.1');
    assert.equal(e.MASTER_PORT, '1234');
    assert.equal(e.HOME, '/h', 'the rest of the environment is inherited');
    assert.equal(e.OMP_NUM_THREADS, String(16 / 2), 'the cores shared out');
    assert.equal(e.UV_THREADPOOL_SIZE, String(16 / 2));
  });

  it("shares out the threads unless the user chose them, never below 1 intra-op and libuv's 4 decode threads", () => {
    assert.equal(rankEnv(flags({ nprocPerNode: 4 }), 0, {}, 2).OMP_NUM_THREADS, '1');
    assert.equal(rankEnv(flags({ nprocPerNode: 4 }), 0, {}, 2).UV_THREADPOOL_SIZE, '4');
    assert.equal(rankEnv(flags({ nprocPerNode: 2 }), 0, { OMP_NUM_THREADS: '3', UV_THREADPOOL_SIZE: '7' }, 16).OMP_NUM_THREADS, '3');
    assert.equal(rankEnv(flags({ nprocPerNode: 2 }), 0, { OMP_NUM_THREADS: '3', UV_THREADPOOL_SIZE: '7' }, 16).UV_THREADPOOL_SIZE, '7');
    assert.equal(rankEnv(flags({ nprocPerNode: 1 }), 0, {}, 16).OMP_NUM_THREADS, undefined, 'one rank uses every core');
  });

  it('knows every other fastai-ts command', async () => {
    const { program } = await import('../../src/cli/program.js');
    const names = program().commands.map((c) => c.name()).filter((n) => n !== 'launch');
    assert.deepEqual([...COMMANDS].sort(), names.sort());
  });

  it('rejects bad flags and commands with one line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--nproc-per-node', '2'], /error: no command to run, e\.g\. fastai-ts launch --nproc-per-node 2 -- train/],
      [['--nproc-per-node', '2', '--'], /error: no command to run/],
      [['--nproc-per-node', '0', '--', 'info'], /'0' is not a whole number >= 1/],
      [['--nnodes', '2', '--node-rank', '2', '--master-addr', 'h', '--', 'info'], /--node-rank 2 must be less than --nnodes 2: the machines are numbered 0 to 1/],
      [['--nnodes', '2', '--', 'info'], /--nnodes 2 needs --master-addr/],
      [['--master-port', '70000', '--', 'info'], /--master-port 70000 is not a port/],
      [['--', 'trian', 'x'], /'trian' is neither a fastai-ts command \(demo, train, .*\) nor a Node script .*add --no-node/],
      [['--', 'missing-script.js'], /the script missing-script\.js does not exist/],
      [['--', 'launch', 'info'], /launch cannot launch itself/],
      [['--nproc-per-node', '2', 'train', 'x', '--epochs', '2'], /unknown option '--epochs'\n\(the command each rank runs goes after --/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'launch', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, `launch ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, `launch ${args.join(' ')}`);
      assert.equal(r.stdout, '', 'no rank started');
    }
  });

  it('runs a Node script as every rank, with its arguments, and says once how it set OMP_NUM_THREADS', async () => {
    const r = await launch(['--nproc-per-node', '2', '--master-port', '29999', '--', WORKER, 'exit', 'a', '--b'], { env: { OMP_NUM_THREADS: undefined, UV_THREADPOOL_SIZE: undefined } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.reports.map((x) => x.env.RANK), ['0', '1']);
    assert.deepEqual(r.reports.map((x) => x.env.LOCAL_RANK), ['0', '1']);
    for (const x of r.reports) {
      assert.deepEqual(x.args, ['a', '--b']);
      assert.equal(x.env.WORLD_SIZE, '2');
      assert.equal(x.env.MASTER_ADDR, '127.0.0.1');
      assert.equal(x.env.MASTER_PORT, '29999');
      assert.ok(Number(x.env.OMP_NUM_THREADS) >= 1);
    }
    assert.equal(r.stderr.match(/OMP_NUM_THREADS is not set: each of the 2 ranks gets/g)?.length, 1, r.stderr);
  });

  it('numbers the ranks of a second machine after the first', async () => {
    const r = await launch(['--nproc-per-node', '2', '--nnodes', '2', '--node-rank', '1', '--master-addr', '127.0.0.1', '--', WORKER, 'exit'], { env: { OMP_NUM_THREADS: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.reports.map((x) => [x.env.RANK, x.env.LOCAL_RANK, x.env.GROUP_RANK, x.env.WORLD_SIZE]), [['2', '0', '1', '4'], ['3', '1', '1', '4']]);
    assert.doesNotMatch(r.stderr, /OMP_NUM_THREADS is not set/, "the user's OMP_NUM_THREADS stands, without a note");
  });

  it('runs a fastai-ts command as every rank, with the threads it was given', async () => {
    const r = await launch(['--nproc-per-node', '2', '--', 'info'], { env: { OMP_NUM_THREADS: '1', UV_THREADPOOL_SIZE: undefined } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/^fastai-ts on libtorch \d/gm)?.length, 2, r.stdout);
    assert.equal(r.stdout.match(/^intra-op threads: 1$/gm)?.length, 2, r.stdout);
    assert.equal(r.stdout.match(/^decode threads \(libuv pool\): \d+$/gm)?.length, 2, r.stdout);
  });

  it('starts ranks that join one process group from its environment alone', async (t) => {
    if (!torch.distributed.isAvailable()) return t.skip(torch.distributed.unavailableReason() ?? 'no distributed support');
    const port = await freePort();
    const r = await launch(['--nproc-per-node', '2', '--master-port', String(port), '--', GROUP], { env: { OMP_NUM_THREADS: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { rank: number; worldSize: number; localRank: number; sum: number });
    assert.deepEqual(lines.map((l) => l.rank).sort(), [0, 1]);
    for (const l of lines) {
      assert.equal(l.worldSize, 2);
      assert.equal(l.localRank, l.rank);
      assert.equal(l.sum, 1 + 2, 'the sum of rank + 1 over both ranks');
    }
  });

  it('runs any program with --no-node', async () => {
    const r = await launch(['--nproc-per-node', '2', '--no-node', '--', process.execPath, '--import', 'tsx', WORKER, 'exit'], { env: { OMP_NUM_THREADS: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.reports.map((x) => x.env.RANK), ['0', '1']);
  });

  it('stops the other ranks when one is killed, and names it', async () => {
    let killed = 0;
    const r = await launch(['--nproc-per-node', '2', '--', WORKER, 'wait'], {
      env: { OMP_NUM_THREADS: '1' },
      onReports: (reports) => {
        if (reports.length === 2 && !killed) {
          killed = reports.find((x) => x.env.RANK === '1')!.pid;
          process.kill(killed, 'SIGKILL');
        }
      },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^fastai-ts: rank 1 \\(pid ${killed}\\) was killed by SIGKILL; stopped the other ranks$`, 'm'));
    const rank0 = r.reports.find((x) => x.env.RANK === '0')!.pid;
    assert.equal(alive(rank0), false, 'rank 0 was stopped before the launcher exited');
  });

  it('stops the other ranks when one exits with an error, and names its code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fastai-ts-launch-'));
    const r = await launch(['--nproc-per-node', '2', '--', WORKER, 'fail', join(dir, 'rank0-started')], { env: { OMP_NUM_THREADS: '1' } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.code, 1, r.stderr);
    const pid = r.reports.find((x) => x.env.RANK === '1')!.pid;
    assert.match(r.stderr, new RegExp(`^fastai-ts: rank 1 \\(pid ${pid}\\) exited with code 3; stopped the other ranks$`, 'm'));
    assert.equal(alive(r.reports.find((x) => x.env.RANK === '0')!.pid), false);
  });

  it('forwards SIGTERM to the ranks and exits with 128 + 15', async () => {
    let sent = false;
    const r = await launch(['--nproc-per-node', '2', '--', WORKER, 'wait'], {
      env: { OMP_NUM_THREADS: '1' },
      onReports: (reports, launcher) => {
        if (reports.length === 2 && !sent) {
          sent = true;
          process.kill(launcher, 'SIGTERM');
        }
      },
    });
    assert.equal(r.code, 143, r.stderr);
    assert.doesNotMatch(r.stderr, /stopped the other ranks/, 'an interrupt is not a failed rank');
    for (const x of r.reports) assert.equal(alive(x.pid), false, `rank ${x.env.RANK} stopped`);
  });
});
