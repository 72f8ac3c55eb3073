/**
 * bench/engine: a ResNet-18 training step (forward, cross-entropy, backward, SGD with momentum
 * 0.9), batch 32, at 64x64 and 128x128, float32 and bf16 autocast, NCHW and channels-last, in
 * images/second; beside the same step in PyTorch (bench/lib/worker.py) when python can import
 * torch, alternating JS and Python runs, with ratios.
 *
 *   npm run bench:engine                 # run alone on an idle machine
 *   BENCH_QUICK=1 npm run bench:engine   # 64 px, float32, one alternation: checks that it runs
 *   BENCH_SIZES=64 BENCH_DTYPES=float32 BENCH_LAYOUTS=nchw BENCH_REPS=5 npm run bench:engine
 */
import { availableParallelism } from 'node:os';
import { F, type Tensor, torch } from '../src/index.js';
import { resnet18 } from '../src/vision/models/index.js';
import { pause, startWorker } from './lib/pytorch.js';
import { machine, median, printTable } from './lib/stats.js';

const quick = Boolean(process.env.BENCH_QUICK);
const bs = 32;
const list = (v: string | undefined, d: string) => (v ?? d).split(',');
const sizes = list(process.env.BENCH_SIZES, quick ? '64' : '64,128').map(Number);
const dtypes = list(process.env.BENCH_DTYPES, quick ? 'float32' : 'float32,bfloat16') as ('float32' | 'bfloat16')[];
const layouts = list(process.env.BENCH_LAYOUTS, quick ? 'nchw' : 'nchw,channels-last').map((l) => l === 'channels-last');
const reps = Number(process.env.BENCH_REPS ?? (quick ? 1 : 3)); // alternations per configuration
const warmup = quick ? 1 : 2;
const iters = quick ? 2 : 5;
// Without native bf16 (AVX512-BF16/AMX) libtorch emulates it, 10-25x slower than float32: time fewer steps.
const bf16Iters = 1;
const bf16Reps = 1;
const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
const lr = 1e-3;
const momentum = 0.9;

/** SGD with momentum (torch.optim.SGD's rule) in three multi-tensor calls per step. */
function sgdMomentum(params: Tensor[]): () => void {
  let bufs: Tensor[] | null = null;
  return () =>
    torch.noGrad(() => {
      const grads = params.map((p) => p.grad!);
      if (bufs === null) {
        bufs = grads.map((g) => torch.keep(g.clone()));
      } else {
        torch.foreach.mul_(bufs, momentum);
        torch.foreach.add_(bufs, grads);
      }
      torch.foreach.add_(params, bufs, -lr);
      for (const p of params) p.grad = null;
      torch.dispose(grads);
    });
}

function timeJs(size: number, dtype: 'float32' | 'bfloat16', channelsLast: boolean, warmup: number, iters: number): number {
  torch.manualSeed(0);
  const model = resnet18().train();
  if (channelsLast) model.to({ memoryFormat: 'channelsLast' });
  const x = torch.randn([bs, 3, size, size]);
  const input = channelsLast ? x.contiguous('channelsLast') : x;
  const y = torch.randint(0, 1000, [bs]);
  const update = sgdMomentum(model.parameters());
  const step = () => {
    torch.tidy(() => {
      torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16', enabled: dtype === 'bfloat16' }, () => F.crossEntropy(model.call(input), y)).backward();
    });
    update();
  };
  for (let i = 0; i < warmup; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) step();
  const secs = (performance.now() - t0) / 1000 / iters;
  torch.dispose([x, input, y]);
  model.dispose();
  return bs / secs;
}

async function main(): Promise<void> {
  torch.setNumThreads(threads);
  const worker = await startWorker(threads);
  console.log(`# bench/engine: ResNet-18 training step, batch ${bs}, SGD momentum ${momentum}`);
  console.log(`${await machine()}; ${new Date().toISOString().slice(0, 10)}`);
  console.log(`fastai-ts on libtorch ${torch.version()}, ${threads} threads; ${worker ? worker.version : 'PyTorch not available: JS only'}`);
  console.log(`float32: ${warmup} warm-up + ${iters} timed steps, median of ${reps} alternations; bfloat16: 1 + ${bf16Iters}, ${bf16Reps} alternation${quick ? ' (BENCH_QUICK: numbers are not meaningful)' : ''}\n`);
  const rows: string[][] = [];
  try {
    for (const size of sizes) {
      for (const dtype of dtypes) {
        for (const channelsLast of layouts) {
          const js: number[] = [];
          const py: number[] = [];
          const n = dtype === 'bfloat16' ? bf16Iters : iters;
          const w = dtype === 'bfloat16' ? 1 : warmup;
          for (let r = 0; r < (dtype === 'bfloat16' ? bf16Reps : reps); r++) {
            js.push(timeJs(size, dtype, channelsLast, w, n));
            if (worker) {
              await pause();
              py.push((await worker.run({ model: 'resnet18', dtype, mode: 'train', bs, size, warmup: w, iters: n, threads, channels_last: channelsLast, momentum, lr })).ips);
              await pause();
            }
          }
          const j = median(js);
          const p = py.length ? median(py) : NaN;
          rows.push([`${size}x${size}`, dtype, channelsLast ? 'channels-last' : 'NCHW', j.toFixed(1), py.length ? p.toFixed(1) : '-', py.length ? `${(j / p).toFixed(2)}x` : '-']);
          console.error(`done ${rows.at(-1)!.join(' ')}`);
        }
      }
    }
  } finally {
    worker?.close();
  }
  printTable(['input', 'dtype', 'layout', 'fastai-ts img/s', 'PyTorch img/s', 'ratio'], rows);
  console.log('\nratio = fastai-ts / PyTorch images per second (1.00x or more: at least as fast as PyTorch).');
}

await main();
