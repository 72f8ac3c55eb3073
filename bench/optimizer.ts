/**
 * bench/optimizer: one step of fastai's Adam (src/learner/optimizer.ts: mom 0.9, sqrMom 0.99,
 * eps 1e-5, wd 0.01, decoupled) over ResNet-34's parameters (21.8M, in fastai's 3 groups) with
 * random gradients, beside PyTorch's `torch.optim.AdamW(foreach=True)` with the same
 * hyper-parameters over the same shapes (bench/optimizer.py), alternating in one run. Target:
 * fastai-ts at least as fast (ratio >= 1.0). Also checks that three steps agree with PyTorch's.
 *
 *   npm run bench:optimizer                 # run alone on an idle machine
 *   BENCH_QUICK=1 npm run bench:optimizer   # one short alternation: checks that it runs
 *   BENCH_THREADS=4 BENCH_REPS=7 npm run bench:optimizer
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Tensor, torch } from '../src/index.js';
import { Adam } from '../src/learner/optimizer.js';
import { resnet34 } from '../src/vision/models/index.js';
import { pause, startJsonWorker } from './lib/pytorch.js';
import { cpuModel, machine, median, printTable } from './lib/stats.js';

const quick = Boolean(process.env.BENCH_QUICK);
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
const reps = Number(process.env.BENCH_REPS ?? (quick ? 1 : 5));
const warmup = quick ? 1 : 3;
const iters = quick ? 3 : 10;

type Reply = Record<string, unknown> & { error?: string };

/** The PyTorch worker (bench/optimizer.py), or null without a python that imports torch. */
function startPython() {
  return startJsonWorker<object, Reply>(
    fileURLToPath(new URL('./optimizer.py', import.meta.url)),
    { OMP_NUM_THREADS: String(threads), PYTHONPATH: fileURLToPath(new URL('./lib', import.meta.url)) },
    (hello, py) => `PyTorch ${String(hello.torch)} (${py})`,
    'torch',
  );
}

/** Seconds per fastai-Adam step over parameters of these shapes. */
function jsStep(shapes: number[][], groups: number[]): number {
  torch.manualSeed(0);
  const params = shapes.map((s) => torch.randn(s).keep().requiresGrad_(true));
  torch.tidy(() => params.forEach((p) => (p.grad = torch.randn(p.shape))));
  let i = 0;
  const opt = Adam(groups.map((n) => params.slice(i, (i += n))), { lr: 1e-3 });
  for (let k = 0; k < warmup; k++) opt.step();
  const t0 = performance.now();
  for (let k = 0; k < iters; k++) opt.step();
  const secs = (performance.now() - t0) / 1000 / iters;
  opt.dispose();
  torch.dispose(params);
  return secs;
}

/** fastai-ts's Adam after three steps on a small float64 tensor, as plain numbers. */
function jsCheck(p0: number[], grads: number[][], lr: number, wd: number): number[] {
  const p = torch.tensor(p0, { dtype: 'float64', requiresGrad: true }).keep();
  const opt = Adam([[p]], { lr, wd });
  for (const g of grads) {
    torch.tidy(() => void (p.grad = torch.tensor(g, { dtype: 'float64' })));
    opt.step();
  }
  const out = Array.from(p.toTypedArray() as Float64Array);
  opt.dispose();
  p.dispose();
  return out;
}

async function main(): Promise<void> {
  torch.setNumThreads(threads);
  const model = resnet34();
  const shapes = model.parameters().map((p: Tensor) => p.shape);
  const numel = shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  model.dispose();
  // fastai's three groups for a ResNet are body[:6], body[6:], head; by tensor count about these thirds.
  const third = Math.floor(shapes.length / 3);
  const groups = [third, third, shapes.length - 2 * third];
  const worker = await startPython();
  console.log(`# bench/optimizer: one fastai-Adam step over ResNet-34's ${shapes.length} parameter tensors (${(numel / 1e6).toFixed(1)}M values)`);
  console.log(`CPU: ${cpuModel()}`);
  console.log(`${await machine()}; ${new Date().toISOString().slice(0, 10)}`);
  console.log(`fastai-ts on libtorch ${torch.version()}, ${threads} threads; ${worker ? worker.version : 'PyTorch not available: JS only'}`);
  console.log(`${warmup} warm-up + ${iters} timed steps, median of ${reps} alternations${quick ? ' (BENCH_QUICK: numbers are not meaningful)' : ''}\n`);
  try {
    if (worker) {
      const check = { p: [0.5, -1.2, 2.0, 0.0], g: [[0.1, -0.4, 1e-4, 3.0], [-0.3, 0.2, 0.7, -1], [0.05, -0.9, 0.4, 0.2]] };
      const want = (await worker.run({ check, lr: 0.01, wd: 0.01, threads })).p as number[];
      const got = jsCheck(check.p, check.g, 0.01, 0.01);
      const err = Math.max(...got.map((x, i) => Math.abs(x - want[i]!) / Math.max(1e-12, Math.abs(want[i]!))));
      console.log(`3 steps vs AdamW: max relative difference ${err.toExponential(1)}${err > 1e-9 ? '  <-- MISMATCH' : ''}\n`);
    }
    const js: number[] = [];
    const py: number[] = [];
    for (let r = 0; r < reps; r++) {
      js.push(jsStep(shapes, groups));
      await pause();
      if (worker) py.push((await worker.run({ shapes, groups, warmup, iters, threads })).secs as number);
      await pause();
    }
    const ms = (s: number) => (s * 1000).toFixed(1);
    const rows = [['fastai-ts Adam', ms(median(js)), worker ? (median(py) / median(js)).toFixed(2) : '-']];
    if (worker) rows.push(['PyTorch AdamW(foreach=True)', ms(median(py)), '1.00']);
    printTable(['optimizer', 'ms/step', 'speed vs PyTorch'], rows);
  } finally {
    worker?.close();
  }
}

await main();
