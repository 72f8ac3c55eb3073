// A fastai-ts rank and a Python rank running PyTorch's own DistributedDataParallel in one
// group: the same collectives in the same order, so they end with identical weights.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { torch, type Tensor } from '../../../src/index.js';
import { freePort } from './ranks.js';
import { Net } from './workers/interop-net.js';

const PYTHON = '/usr/bin/python3';
const PY_WORKER = new URL('./workers/interop_rank.py', import.meta.url).pathname;
const TS_WORKER = new URL('./workers/interop-rank.ts', import.meta.url).pathname;
const STEPS = Number(process.env.FASTAI_TS_INTEROP_STEPS ?? 4); // the first iteration, the bucket rebuild before the second, and two more

function pythonTorch(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torch.distributed as d; assert d.is_available() and d.is_gloo_available(); print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const dir = mkdtempSync(join(tmpdir(), 'fastai-ts-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, OMP_NUM_THREADS: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Initial weights (rank 0's, which DDP broadcasts) and STEPS batches of 8, in one file. */
function writeData(path: string): void {
  torch.manualSeed(7);
  const model = new Net();
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(model.stateDict())) tensors[`init.${k}`] = v;
  tensors.x = torch.randn([STEPS, 8, 3, 8, 8]);
  tensors.y = torch.randint(0, 4, [STEPS, 8]);
  torch.saveSafetensors(path, tensors);
}

async function mixedGroup(t: TestContext, pythonRank: 0 | 1): Promise<void> {
  const data = join(dir, 'data.safetensors');
  writeData(data);
  const port = await freePort();
  const env = (rank: number) => ({ RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) });
  const pyOut = join(dir, `python-${pythonRank}.safetensors`);
  const tsOut = join(dir, `ts-${pythonRank}.safetensors`);
  const [py, ts] = await Promise.all([
    run(PYTHON, [PY_WORKER, data, String(STEPS), pyOut], env(pythonRank)),
    run(process.execPath, ['--import', 'tsx', TS_WORKER, data, String(STEPS), tsOut], env(1 - pythonRank)),
  ]);
  assert.equal(py.code, 0, `the Python rank failed:\n${py.stderr}`);
  assert.equal(ts.code, 0, `the fastai-ts rank failed:\n${ts.stderr}`);
  const a = torch.loadSafetensors(pyOut);
  const b = torch.loadSafetensors(tsOut);
  const init = torch.loadSafetensors(data);
  assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
  for (const k of Object.keys(a)) {
    const diff = torch.tidy(() => a[k]!.sub(b[k]!).abs().max().item() as number);
    assert.equal(diff, 0, `${k}: the Python and fastai-ts ranks differ by up to ${diff}`);
    const moved = torch.tidy(() => a[k]!.sub(init[`init.${k}`]!).abs().max().item() as number);
    assert.ok(moved > 0, `${k} did not change in ${STEPS} steps`);
  }
  t.diagnostic(`PyTorch ${pythonTorch()} as rank ${pythonRank}; buckets ${JSON.stringify((JSON.parse(ts.stdout.trim().split('\n').pop()!) as { buckets: unknown }).buckets)}`);
}

describe('interoperating with PyTorch', () => {
  it('a Python rank 0 (PyTorch DDP) and a fastai-ts rank 1 end with identical weights', async (t) => {
    if (!pythonTorch()) return t.skip(`${PYTHON} has no torch with Gloo (Debian: apt-get install python3-torch)`);
    await mixedGroup(t, 0);
  });
  it('a fastai-ts rank 0 and a Python rank 1 (PyTorch DDP) end with identical weights', async (t) => {
    if (!pythonTorch()) return t.skip(`${PYTHON} has no torch with Gloo (Debian: apt-get install python3-torch)`);
    await mixedGroup(t, 1);
  });
});
