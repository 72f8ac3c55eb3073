/**
 * bench/distributed: data-parallel training over c10d (Gloo) on this machine's loopback.
 *
 * 1. All-reduce of ResNet-18's 11.7M float32 parameters between 2 ranks: fastai-ts
 *    (`torch.distributed.allReduce` on one flat tensor, and DistributedDataParallel's 25 MiB
 *    buckets) against PyTorch's `dist.all_reduce` on the same flat tensor, alternating.
 * 2. ResNet-18 training steps at 128 px, global batch 32: one process with all cores' threads
 *    against N ranks with cores / N threads each (DDP), in images/s, with the efficiency
 *    (N ranks' images/s over one process's) and the share of a step spent in syncGradients.
 *
 *   npm run bench:distributed                 # run alone on an idle machine
 *   BENCH_QUICK=1 npm run bench:distributed   # checks that it runs (meaningless figures)
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { findPython } from './lib/pytorch.js';
import { cpuModel, machine, median, printTable } from './lib/stats.js';
import { freePort } from '../test/torch/distributed/ranks.js';

const quick = Boolean(process.env.BENCH_QUICK);
const reps = Number(process.env.BENCH_REPS ?? (quick ? 1 : 3));
const arIters = quick ? 3 : 10;
const trainIters = quick ? 2 : 6;
const cores = availableParallelism();
const JS_RANK = fileURLToPath(new URL('./lib/dist-rank.ts', import.meta.url));
const PY_RANK = fileURLToPath(new URL('./lib/dist_rank.py', import.meta.url));

/** Runs `world` copies of a command as ranks on 127.0.0.1 and returns rank 0's JSON line. */
async function ranks(world: number, threads: number, cmd: string, args: string[]): Promise<Record<string, unknown>> {
  const port = await freePort();
  const outs = await Promise.all(
    Array.from({ length: world }, (_, rank) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(cmd, args, {
          env: { ...process.env, OMP_NUM_THREADS: String(threads), RANK: String(rank), WORLD_SIZE: String(world), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      }),
    ),
  );
  const bad = outs.find((o) => o.code !== 0);
  if (bad) throw new Error(`a rank failed (${cmd} ${args.join(' ')}):\n${bad.err}`);
  return JSON.parse(outs[0]!.out.trim().split('\n').pop()!) as Record<string, unknown>;
}

const js = (args: string[]) => [process.execPath, ['--import', 'tsx', JS_RANK, ...args]] as const;

console.log(`# bench/distributed\n\n${await machine()}; CPU: ${cpuModel()}; ${new Date().toISOString().slice(0, 10)}\n`);

// ---- 1. all-reduce ----
const python = findPython('torch, torch.distributed');
const ar = { js: [] as number[], ddp: [] as number[], py: [] as number[] };
let params = 0;
let buckets = 0;
for (let r = 0; r < reps; r++) {
  const [node, a] = js(['allreduce', String(arIters)]);
  const j = await ranks(2, 1, node, [...a]);
  params = j.params as number;
  buckets = j.buckets as number;
  ar.js.push(median(j.flatMs as number[]));
  ar.ddp.push(median(j.ddpMs as number[]));
  if (python) {
    const p = await ranks(2, 1, python, [PY_RANK, 'allreduce', String(params), String(arIters)]);
    ar.py.push(median(p.flatMs as number[]));
  }
}
console.log(`## All-reduce of ResNet-18's ${(params / 1e6).toFixed(1)}M float32 parameters, 2 ranks, loopback (median of ${reps} x ${arIters})\n`);
const arRows: (string | number)[][] = [
  ['fastai-ts allReduce, one flat tensor', median(ar.js).toFixed(1), python ? (median(ar.js) / median(ar.py)).toFixed(2) : '-'],
  [`fastai-ts DDP syncGradients (${buckets} buckets)`, median(ar.ddp).toFixed(1), python ? (median(ar.ddp) / median(ar.py)).toFixed(2) : '-'],
];
if (python) arRows.push(['PyTorch dist.all_reduce, one flat tensor', median(ar.py).toFixed(1), '1.00']);
printTable(['', 'ms', 'vs PyTorch'], arRows);
if (!python) console.log('\n(no python with torch.distributed found: PyTorch column skipped)');

// ---- 2. training throughput ----
const bs = 32;
const size = quick ? 64 : 128;
const worlds = [1, ...[2, 4].filter((w) => w <= cores && cores % w === 0)];
const rows: (string | number)[][] = [];
let single = 0;
const steps: Record<number, number[]> = {};
const syncs: Record<number, number[]> = {};
for (let r = 0; r < reps; r++) {
  for (const w of worlds) {
    const [node, a] = js(['train', String(size), String(bs), String(trainIters)]);
    const res = await ranks(w, Math.max(1, Math.floor(cores / w)), node, [...a]);
    (steps[w] ??= []).push(median(res.stepMs as number[]));
    (syncs[w] ??= []).push(median(res.syncMs as number[]));
  }
}
for (const w of worlds) {
  const ms = median(steps[w]!);
  const ips = (bs / ms) * 1000;
  if (w === 1) single = ips;
  rows.push([
    w === 1 ? `1 process x ${cores} threads` : `${w} ranks x ${Math.floor(cores / w)} thread${cores / w > 1 ? 's' : ''}`,
    ms.toFixed(0), ips.toFixed(1), w === 1 ? '-' : `${((100 * median(syncs[w]!)) / ms).toFixed(0)}%`, (ips / single).toFixed(2),
  ]);
}
console.log(`\n## ResNet-18 training step, ${size} px, global batch ${bs} (median of ${reps} x ${trainIters})\n`);
printTable(['', 'ms / step', 'images/s', 'syncGradients', 'efficiency'], rows);
