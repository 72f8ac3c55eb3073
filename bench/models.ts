/**
 * Images per second of the vision models: forward (eval) and a training step (forward, loss,
 * backward, plain SGD update), float32 and bf16 autocast, at 128x128 with batch 32, beside
 * PyTorch (bench/lib/worker.py, same workloads) when `import torch, torchvision` works.
 * JS and Python runs alternate within one process run, so machine noise hits both alike.
 *
 *   npm run bench:models
 *   BENCH_QUICK=1 npm run bench:models     # resnet18, batch 8 at 64 px, one iteration: checks that it runs
 *
 * Environment: BENCH_MODELS (comma list of registry names), BENCH_ITERS, BENCH_WARMUP,
 * BENCH_REPS (alternations per case), BENCH_BS, BENCH_SIZE, BENCH_THREADS, BENCH_PYTHON.
 * Results are also written to bench/results/models-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { F, type nn, torch } from '../src/torch/index.js';
import { getArch } from '../src/vision/index.js';
import { pause, startWorker } from './lib/pytorch.js';
import { median } from './lib/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const quick = Boolean(env.BENCH_QUICK);
const models = (env.BENCH_MODELS ?? (quick ? 'resnet18' : 'resnet18,resnet34,resnet50,mobilenet_v1_0.25,mobilenet_v1_0.75')).split(',');
const iters = Number(env.BENCH_ITERS ?? (quick ? 1 : 5));
const warmup = Number(env.BENCH_WARMUP ?? (quick ? 1 : 2));
const reps = Number(env.BENCH_REPS ?? (quick ? 1 : 3));
// Without native bf16 (AVX512-BF16/AMX) libtorch emulates it, 10-25x slower than float32: one short run each.
const bf16 = { warmup: 1, iters: 1, reps: 1 };

const bs = Number(env.BENCH_BS ?? (quick ? 8 : 32));
const size = Number(env.BENCH_SIZE ?? (quick ? 64 : 128));
const threads = Number(env.BENCH_THREADS ?? availableParallelism());
const dtypes = (process.env.BENCH_DTYPES?.split(',') ?? ['float32', 'bfloat16']) as ('float32' | 'bfloat16')[];
const modes = ['forward', 'train'] as const;
type Mode = (typeof modes)[number];
type Dtype = 'float32' | 'bfloat16';
const LR = 1e-3;

// ---- fastai-ts side ----

function sgdStep(model: nn.Module): void {
  torch.noGrad(() => {
    for (const p of model.parameters()) {
      const g = p.grad;
      if (g) {
        p.sub_(g, LR);
        g.dispose();
      }
    }
  });
  model.zeroGrad();
}

function runJs(model: nn.Module, mode: Mode, dtype: Dtype): { secs: number; ips: number } {
  const x = torch.randn([bs, 3, size, size]);
  const y = torch.randint(0, 1000, [bs]);
  const amp = <T>(fn: () => T) => torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16', enabled: dtype === 'bfloat16' }, fn);
  const step = mode === 'forward'
    ? () => torch.tidy(() => torch.noGrad(() => amp(() => model.call(x)).dispose()))
    : () => {
      torch.tidy(() => amp(() => F.crossEntropy(model.call(x), y)).backward());
      sgdStep(model);
    };
  if (mode === 'forward') model.eval();
  else model.train();
  const run = dtype === 'bfloat16' ? bf16 : { warmup, iters };
  for (let i = 0; i < run.warmup; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < run.iters; i++) step();
  const secs = (performance.now() - t0) / 1000 / run.iters;
  x.dispose();
  y.dispose();
  return { secs, ips: bs / secs };
}

// ---- main ----

async function main(): Promise<void> {
  torch.setNumThreads(threads);
  const worker = await startWorker(threads);
  console.log(`fastai-ts on libtorch ${torch.version()}; ${worker ? worker.version : 'PyTorch not available: JS only'}`);
  console.log(`batch ${bs}, ${size}x${size}, ${threads} threads, float32: ${warmup} warm-up + ${iters} timed iterations, ${reps} alternations; bfloat16: 1 + 1, 1${quick ? ' (BENCH_QUICK: numbers are not meaningful)' : ''}\n`);
  const header = ['model', 'dtype', 'mode', 'fastai-ts img/s', 'PyTorch img/s', 'ratio'];
  console.log(header.join('\t'));
  const rows: Record<string, unknown>[] = [];
  try {
    for (const name of models) {
      torch.manualSeed(0);
      const model = getArch(name).create();
      for (const dtype of dtypes) {
        for (const mode of modes) {
          const js: number[] = [];
          const py: number[] = [];
          const run = dtype === 'bfloat16' ? bf16 : { warmup, iters, reps };
          for (let r = 0; r < run.reps; r++) {
            js.push(runJs(model, mode, dtype).ips);
            if (worker) {
              await pause();
              const out = await worker.run({ model: name, dtype, mode, bs, size, warmup: run.warmup, iters: run.iters, threads });
              py.push(out.ips);
              await pause();
            }
          }
          const row = { model: name, dtype, mode, js: median(js), py: py.length ? median(py) : null, jsRuns: js, pyRuns: py };
          rows.push({ ...row, ratio: row.py ? row.js / row.py : null });
          console.log([name, dtype, mode, row.js.toFixed(1), row.py?.toFixed(1) ?? '-', row.py ? (row.js / row.py).toFixed(2) : '-'].join('\t'));
        }
      }
      model.dispose();
    }
  } finally {
    worker?.close();
  }
  const out = join(here, 'results', `models-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ quick, bs, size, threads, warmup, iters, reps, python: worker?.version ?? null, rows }, null, 2));
  console.log(`\nratio = fastai-ts / PyTorch images per second (above 1: fastai-ts is faster). Written to ${out}`);
}

await main();
