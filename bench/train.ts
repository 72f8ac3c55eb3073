/**
 * bench/train (issue 8): `fineTune(4)` of the pets recipe (mobilenet_v1_0.75 pretrained,
 * `Resize(192)`, `augTransforms({ size: 160, minScale: 0.75 })`, bs 16, seed 42, errorRate) with
 * fastai-ts, beside the same recipe in plain PyTorch (`../shared/reference/pets_finetune_ref.py`),
 * float32 and bf16, alternating in one run: fastai-ts fp32, PyTorch fp32, fastai-ts bf16,
 * PyTorch bf16, `BENCH_REPS` times (default 1). Every run is its own process. Target: fastai-ts at
 * most 1.0x PyTorch's time at equal or better error. Then runs bench/train-overhead.ts (the
 * Learner against a bare loop) unless `BENCH_PARTS=finetune`.
 *
 * What the timers cover:
 * - train s: each side's own timer around the training only. fastai-ts: `learn.fineTune()`
 *   (JPEG decode and item resize in the loader every epoch, batch augmentation, training,
 *   validation). PyTorch: both `fit_one_cycle` calls (item crop/resize from images decoded up
 *   front, batch augmentation, training, validation): the JPEG decode of all photos happens
 *   before its timer, so its timer covers less work than fastai-ts's.
 * - process s: spawn to exit of the whole process, as seen from here (imports, decoding, model
 *   build and weight loading, training).
 *
 *   npm run bench:train                    # run alone on an idle machine
 *   BENCH_QUICK=1 npm run bench:train      # tiny (mobilenet_v1_0.25, 96/64 px, fineTune(1)): checks it runs
 *   BENCH_REPS=3 BENCH_PARTS=finetune npm run bench:train
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findPython, pause } from './lib/pytorch.js';
import { recipe, type Recipe } from './lib/pets-recipe.js';
import { cpuModel, machine, median, printTable } from './lib/stats.js';
import { cpuInfo } from '../src/torch/backends.js';

const quick = Boolean(process.env.BENCH_QUICK);
const reps = Number(process.env.BENCH_REPS ?? 1);
const parts = (process.env.BENCH_PARTS ?? 'finetune,overhead').split(',');
const r = recipe(quick);

interface RunResult {
  errorRate: number[];
  trainSecs: number;
  processSecs: number;
}

/** Runs a command to its end; resolves with its stdout's last JSON line and the wall seconds. */
function runJson(cmd: string, args: string[]): Promise<{ out: Record<string, unknown>; secs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const secs = (performance.now() - t0) / 1000;
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; stdout: ${stdout.slice(-500)}`));
      try {
        resolve({ out: JSON.parse(last) as Record<string, unknown>, secs });
      } catch {
        reject(new Error(`${cmd}: expected one JSON line on stdout, got ${JSON.stringify(last.slice(0, 200))}`));
      }
    });
  });
}

async function runFastai(rec: Recipe, bf16: boolean): Promise<RunResult> {
  const runner = fileURLToPath(new URL('./lib/train-runner.ts', import.meta.url));
  const { out, secs } = await runJson(process.execPath, ['--import', 'tsx', runner, JSON.stringify(rec), bf16 ? 'bf16' : 'fp32']);
  return { errorRate: out.error_rate as number[], trainSecs: out.seconds as number, processSecs: secs };
}

async function runPyTorch(py: string, rec: Recipe, bf16: boolean): Promise<RunResult> {
  const script = '../shared/reference/pets_finetune_ref.py';
  const args = [
    script, rec.data, `${rec.weights}/${rec.arch}_224.safetensors`, '--epochs', String(rec.epochs), '--bs', String(rec.bs),
    '--item', String(rec.item), '--size', String(rec.size), '--seed', String(rec.seed), '--alpha', String(rec.alpha),
    ...(process.env.BENCH_THREADS ? ['--threads', process.env.BENCH_THREADS] : []), ...(bf16 ? ['--bf16'] : []),
  ];
  const { out, secs } = await runJson(py, args);
  return { errorRate: out.error_rate as number[], trainSecs: out.seconds as number, processSecs: secs };
}

const fmtErr = (e: number[]) => e.map((v) => v.toFixed(3)).join(' ');
const last = (e: number[]) => e[e.length - 1] ?? NaN;

async function fineTuneBench(): Promise<void> {
  const py = findPython('torch, numpy, PIL');
  if (!py) {
    console.log('No python with torch, numpy and PIL found (apt-get install python3-torch python3-pil): fastai-ts only.');
  }
  console.log(`\n## fineTune(${r.epochs}) of the pets recipe: ${r.arch}, Resize(${r.item}), augTransforms(${r.size}), bs ${r.bs}, seed ${r.seed}`);
  console.log('train s: each side\'s own timer around training only (fastai-ts: learn.fineTune; PyTorch: its two fit_one_cycle calls, JPEGs decoded before its timer); process s: spawn to exit.\n');
  const results: Record<string, { ts: RunResult[]; pt: RunResult[] }> = { float32: { ts: [], pt: [] }, bfloat16: { ts: [], pt: [] } };
  for (let rep = 0; rep < reps; rep++) {
    for (const dtype of ['float32', 'bfloat16'] as const) {
      const bf16 = dtype === 'bfloat16';
      const ts = await runFastai(r, bf16);
      results[dtype]!.ts.push(ts);
      console.error(`rep ${rep + 1}/${reps} fastai-ts ${dtype}: ${ts.trainSecs.toFixed(1)} s, error ${fmtErr(ts.errorRate)}`);
      await pause();
      if (py) {
        const pt = await runPyTorch(py, r, bf16);
        results[dtype]!.pt.push(pt);
        console.error(`rep ${rep + 1}/${reps} PyTorch   ${dtype}: ${pt.trainSecs.toFixed(1)} s, error ${fmtErr(pt.errorRate)}`);
        await pause();
      }
    }
  }
  const rows: (string | number)[][] = [];
  for (const [dtype, { ts, pt }] of Object.entries(results)) {
    ts.forEach((t, i) => {
      const p = pt[i];
      rows.push([
        dtype, i + 1,
        t.trainSecs.toFixed(1), p ? p.trainSecs.toFixed(1) : '-', p ? `${(t.trainSecs / p.trainSecs).toFixed(2)}x` : '-',
        t.processSecs.toFixed(1), p ? p.processSecs.toFixed(1) : '-', p ? `${(t.processSecs / p.processSecs).toFixed(2)}x` : '-',
        fmtErr(t.errorRate), p ? fmtErr(p.errorRate) : '-',
      ]);
    });
    if (ts.length > 1 && pt.length > 1) {
      const mt = median(ts.map((t) => t.trainSecs));
      const mp = median(pt.map((t) => t.trainSecs));
      const mtp = median(ts.map((t) => t.processSecs));
      const mpp = median(pt.map((t) => t.processSecs));
      rows.push([dtype, 'median', mt.toFixed(1), mp.toFixed(1), `${(mt / mp).toFixed(2)}x`, mtp.toFixed(1), mpp.toFixed(1), `${(mtp / mpp).toFixed(2)}x`,
        `final ${median(ts.map((t) => last(t.errorRate))).toFixed(3)}`, `final ${median(pt.map((t) => last(t.errorRate))).toFixed(3)}`]);
    }
  }
  printTable(
    ['dtype', 'rep', 'fastai-ts train s', 'PyTorch train s', 'ratio', 'fastai-ts process s', 'PyTorch process s', 'ratio', 'fastai-ts error per epoch', 'PyTorch error per epoch'],
    rows,
  );
}

/** Part 2 in its own process: the Learner's loop against a bare loop (bench/train-overhead.ts). */
async function overheadBench(): Promise<void> {
  const script = fileURLToPath(new URL('./train-overhead.ts', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bench/train-overhead.ts exited with ${code}`))));
  });
}

const cpu = cpuInfo();
console.log(`# bench/train${quick ? ' (BENCH_QUICK: figures are meaningless)' : ''}`);
console.log(`${await machine()}; CPU ${cpuModel()}, native bf16 (avx512_bf16/amx_bf16): ${cpu.nativeBf16 ? 'yes' : 'NO, bf16 is emulated and runs far slower than float32'}; UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'unset'}; ${new Date().toISOString().slice(0, 10)}`);
if (parts.includes('finetune')) await fineTuneBench();
if (parts.includes('overhead')) await overheadBench();
