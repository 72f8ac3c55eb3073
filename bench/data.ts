/**
 * bench:data: throughput of the data pipeline beside PIL + PyTorch (bench/data.py, when a python
 * with torch, torchvision and PIL is found), alternating the two within one run.
 *
 * 1. loader: the whole DataLoader on the original-size pets photos (pets-fullsize, repeated to a
 *    few hundred items), images/s: decode + Resize(460) (random crop), and the same followed by
 *    augTransforms({ size: 224, minScale: 0.75 }); against a torch DataLoader with
 *    num_workers = cores doing the same with PIL (augmentation on the batch, in the main process).
 * 2. items: decode + Resize(460) + ToTensor, images/s, one decode at a time and many queued,
 *    on the 288 px pets and the originals; PIL in one process.
 * 3. batches: IntToFloatTensor + augTransforms({ size: 224, minScale: 0.75 }) on uint8 batches
 *    of 64 at 460 px, images/s; the same engine work from PyTorch.
 * 4. overlap: one epoch of a small conv net with the real loader vs the same batches already in
 *    memory (the loader's cost that training does not hide).
 *
 * Targets: loader >= 1.0x PyTorch (issue 7), items >= 1.5x PIL, real-loader epoch <= 1.10x
 * the preloaded one (issue 4). BENCH_QUICK=1 runs a few images and batches only, to check the
 * bench end to end; BENCH_PARTS=loader,items,aug,overlap picks parts; BENCH_ROUNDS (default 3)
 * sets the alternations of part 1. Results: stdout and bench/results/data.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { F, nn, torch, type Tensor } from '../src/index.js';
import {
  CategoryBlock, DataBlock, threadPoolSize, getImageFiles, Limiter, RandomSplitter, RegexLabeller, Rng, usingAttr,
  type BatchContext,
} from '../src/data/index.js';
import { augTransforms, Image, ImageBlock, IntToFloatTensor, ResamplePlan, Resize } from '../src/vision/index.js';
import { resnet18 } from '../src/vision/models/index.js';
import { findPython } from './lib/pytorch.js';
import { cpuModel, median, printTable } from './lib/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = process.env.FASTAI_TS_SHARED ? join(process.env.FASTAI_TS_SHARED, 'data') : join(ROOT, '..', 'shared', 'data');
const PETS = join(DATA, 'pets');
const FULLSIZE = join(DATA, 'pets-fullsize');
const quick = process.env.BENCH_QUICK === '1';
/** BENCH_PARTS=items,aug,overlap (default all) runs some parts only. */
const parts = new Set((process.env.BENCH_PARTS ?? 'loader,items,aug,overlap').split(','));
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const cores = availableParallelism();
const results: Record<string, unknown> = { quick, threads: torch.getNumThreads(), threadPool: threadPoolSize() };

interface PyReply { secs: number; torch: string; torchvision: string; images?: number; error?: string }
let pyProcess: { send(cmd: Record<string, unknown>): Promise<PyReply>; close(): void } | null = null;

/** Runs one command in the persistent bench/data.py process (started on first use). */
async function python(py: string | null, cmd: Record<string, unknown>): Promise<PyReply | null> {
  if (!py) return null;
  if (!pyProcess) {
    const child = spawn(py, [join(ROOT, 'bench', 'data.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<PyReply> => {
      const { value, done } = await lines.next();
      if (done) throw new Error('bench/data.py exited');
      return JSON.parse(value as string) as PyReply;
    };
    await next();
    pyProcess = {
      async send(c) {
        child.stdin.write(`${JSON.stringify(c)}\n`);
        const out = await next();
        if (out.error) throw new Error(`bench/data.py: ${out.error}`);
        return out;
      },
      close: () => child.stdin.end(),
    };
  }
  return pyProcess.send(cmd);
}

const fmt = (v: number) => v.toFixed(1);
const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : 'n/a');

/**
 * Items/s of decode + Resize(460) + ToTensor. `defer`: as the loader runs it before augTransforms,
 * leaving the enlargement of photos smaller than 460 to the batch resample (see canDeferEnlarge).
 */
async function itemBench(files: readonly string[], workers: number, defer: boolean): Promise<number> {
  const resize = Resize(460);
  const limiter = new Limiter(workers);
  const t = performance.now();
  await Promise.all(files.map((f, i) => limiter.run(async () => {
    const img = resize.apply(await Image.open(f), { split: 'train', rng: new Rng(i), batchTfms: [] }) as Image;
    (await (defer ? img.toDeferredTensor() : img.toTensor())).dispose();
  })));
  return files.length / ((performance.now() - t) / 1000);
}

/**
 * Images/s of IntToFloatTensor + augTransforms on uint8 batches at 460 px, or (`deferred`) on
 * batches of 288 px photos that stand for 460 px (the loader's batches for the pets photos).
 */
function augBench(bs: number, batches: number, deferred: boolean): number {
  torch.manualSeed(0);
  const side = deferred ? 288 : 460;
  const x8 = torch.randint(0, 256, [bs, 3, side, side], { dtype: 'uint8' });
  const layouts = deferred ? [new ResamplePlan([460, 460], Array.from({ length: bs }, () => [288, 288] as const))] : undefined;
  const tfms = [IntToFloatTensor(), ...augTransforms({ size: 224, minScale: 0.75 })];
  const once = (b: number) => torch.tidy(() => {
    let ctx: BatchContext = { split: 'train', rng: new Rng(b), kinds: ['image'], layouts };
    let batch: Tensor[] = [x8];
    for (const t of tfms) {
      batch = t.apply(batch, ctx);
      if (!t.pointwise) ctx = { ...ctx, layouts: undefined }; // as Pipeline.applyBatch does
    }
    return batch[0]!.sum().item(); // forces the work
  });
  once(-1);
  const t = performance.now();
  for (let b = 0; b < batches; b++) once(b);
  const secs = (performance.now() - t) / 1000;
  x8.dispose();
  return (bs * batches) / secs;
}

function smallNet(classes: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(),
    new nn.Conv2d(16, 32, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(),
    new nn.Conv2d(32, 64, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(64), new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(64, classes),
  );
}

function step(model: nn.Module, x: Tensor, y: Tensor): void {
  torch.tidy(() => {
    const loss = F.crossEntropy(model.call(x) as Tensor, y);
    loss.backward();
  });
  torch.noGrad(() => {
    for (const p of model.parameters()) {
      const g = p.grad;
      if (g) {
        p.sub_(g, 0.01);
        g.dispose();
        p.grad = null;
      }
    }
  });
}

async function overlapBench(makeModel: (classes: number) => nn.Module): Promise<{ real: number; preloaded: number; batches: number }> {
  const bs = quick ? 8 : 64;
  const pets = new DataBlock<string>({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed: 42 }),
    getY: usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name'),
    itemTfms: Resize(quick ? 128 : 460),
    batchTfms: augTransforms({ size: quick ? 64 : 224, minScale: 0.75 }),
  });
  const dls = await pets.dataloaders(PETS, { bs, seed: 1, device: 'cpu' });
  const maxBatches = quick ? 3 : Infinity;
  const model = makeModel(dls.c);
  // warm up the engine (first conv calls pick algorithms, allocate)
  for await (const [x, y] of dls.train.iterate(100, 1)) {
    step(model, x, y);
    torch.dispose([x, y]);
  }
  const preloaded: Tensor[][] = [];
  for await (const b of dls.train.iterate(0, maxBatches)) preloaded.push(b);
  let t = performance.now();
  for (const [x, y] of preloaded) step(model, x!, y!);
  const pre = (performance.now() - t) / 1000;
  torch.dispose(preloaded);
  t = performance.now();
  for await (const [x, y] of dls.train.iterate(0, maxBatches)) {
    step(model, x, y);
    torch.dispose([x, y]);
  }
  const real = (performance.now() - t) / 1000;
  return { real, preloaded: pre, batches: preloaded.length };
}


/** Samples of the loader part: the originals repeated to about `n` items. */
function repeated(files: readonly string[], n: number): string[] {
  return Array.from({ length: Math.ceil(n / files.length) }, () => files).flat();
}

/**
 * Images/s of `epochs` epochs of a DataLoader over `items` (all in the training split) after a
 * warm-up epoch: Resize(460), then augTransforms when `aug`.
 */
async function loaderBench(items: readonly string[], aug: boolean, epochs: number, bs: number): Promise<number> {
  const block = new DataBlock<string>({
    blocks: [ImageBlock(), CategoryBlock()],
    splitter: () => [items.map((_, i) => i), []],
    getY: usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name'),
    itemTfms: Resize(460),
    batchTfms: aug ? augTransforms({ size: 224, minScale: 0.75 }) : [],
  });
  const dls = await block.dataloaders(items, { bs, seed: 1, device: 'cpu' });
  const epoch = async (e: number) => {
    let n = 0;
    for await (const [x, y] of dls.train.iterate(e)) {
      n += x.shape[0]!;
      torch.dispose([x, y]);
    }
    return n;
  };
  await epoch(0); // warm-up: headers read once, as in training
  const t = performance.now();
  let n = 0;
  for (let e = 1; e <= epochs; e++) n += await epoch(e);
  return n / ((performance.now() - t) / 1000);
}

/** Part 1: the whole loader on the original-size photos, beside a torch DataLoader. */
async function reportLoader(py: string | null): Promise<void> {
  const items = repeated(getImageFiles(FULLSIZE), quick ? 64 : 300);
  const bs = quick ? 16 : 64;
  const epochs = quick ? 1 : 2;
  const n = Math.floor(items.length / bs) * bs; // both drop the last partial batch
  const rows: Record<string, { ours: number[]; pytorch: number[] }> = { resize: { ours: [], pytorch: [] }, aug: { ours: [], pytorch: [] } };
  for (let r = 0; r < rounds; r++) {
    for (const kind of ['resize', 'aug'] as const) {
      rows[kind]!.ours.push(await loaderBench(items, kind === 'aug', epochs, bs));
      const pt = await python(py, { what: 'loader', files: items.slice(0, n), size: 460, bs, workers: cores, epochs, aug: kind === 'aug', aug_size: 224, min_scale: 0.75, threads: torch.getNumThreads() });
      if (pt) rows[kind]!.pytorch.push(pt.images! / pt.secs);
    }
  }
  const summary = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { ...v, oursMedian: median(v.ours), pytorchMedian: v.pytorch.length ? median(v.pytorch) : undefined }]));
  results.loader = { items: items.length, bs, epochs, rounds, workers: cores, ...summary };
  console.log(`\n1. the DataLoader on pets-fullsize (${getImageFiles(FULLSIZE).length} originals repeated to ${items.length}), bs ${bs}, images/s, median of ${rounds} alternations`);
  console.log(`   PyTorch: torch DataLoader, num_workers=${cores} (persistent), PIL decode + crop + bilinear resize to 460; augmentation in the main process`);
  printTable(['pipeline', 'fastai-ts', `PyTorch (${cores} workers)`, 'ratio (target >= 1.0x)'], [
    ['decode + Resize(460)', fmt(summary.resize!.oursMedian), summary.resize!.pytorchMedian ? fmt(summary.resize!.pytorchMedian) : 'n/a', ratio(summary.resize!.oursMedian, summary.resize!.pytorchMedian)],
    ['decode + Resize(460) + augTransforms(224)', fmt(summary.aug!.oursMedian), summary.aug!.pytorchMedian ? fmt(summary.aug!.pytorchMedian) : 'n/a', ratio(summary.aug!.oursMedian, summary.aug!.pytorchMedian)],
  ]);
  console.log(`   each round (fastai-ts / PyTorch): ${Object.entries(rows).map(([k, v]) => `${k} ${v.ours.map((o, i) => `${fmt(o)}/${v.pytorch[i] ? fmt(v.pytorch[i]!) : 'n/a'}`).join(', ')}`).join('; ')}`);
}

/** Part 2: items/s of decode + Resize(460), beside PIL. */
async function reportItems(py: string | null, name: string, files: readonly string[]): Promise<void> {
  const cold = await itemBench(files, 1, true); // first epoch: every header is read once
  const one = await itemBench(files, 1, true); // later epochs: headers cached
  const many = await itemBench(files, 64, true); // as the loader: many queued, UV_THREADPOOL_SIZE threads decode
  const cpuOne = await itemBench(files, 1, false);
  const cpuMany = await itemBench(files, 64, false);
  const pil = await python(py, { what: 'item', files, size: 460 });
  const pilIps = pil ? files.length / pil.secs : undefined;
  (results.items as Record<string, unknown>)[name] = { images: files.length, firstEpochOneWorker: cold, oneWorker: one, defaultWorkers: many, enlargedOnCpuOneWorker: cpuOne, enlargedOnCpuDefaultWorkers: cpuMany, pil: pilIps };
  console.log(`\n2. decode + Resize(460) + ToTensor on ${files.length} ${name} photos, images/s`);
  console.log('   fastai-ts as the loader runs it before augTransforms (enlargement left to the batch resample):');
  console.log(`     1 decode at a time, first epoch:  ${fmt(cold)}   (${ratio(cold, pilIps)} PIL)`);
  console.log(`     1 decode at a time:               ${fmt(one)}   (${ratio(one, pilIps)} PIL)`);
  console.log(`     ${threadPoolSize()} pool threads (the loader):      ${fmt(many)}   (${ratio(many, pilIps)} PIL; target >= 1.5x)`);
  console.log('   fastai-ts enlarging on the CPU to 460 (libvips):');
  console.log(`     1 decode at a time:               ${fmt(cpuOne)}   (${ratio(cpuOne, pilIps)} PIL)`);
  console.log(`     ${threadPoolSize()} pool threads:                   ${fmt(cpuMany)}   (${ratio(cpuMany, pilIps)} PIL)`);
  console.log(`   PIL + torchvision, one process:     ${pilIps ? fmt(pilIps) : 'n/a'}`);
}

/** Part 3: images/s of the batch augmentation, beside PyTorch. */
async function reportAug(py: string | null): Promise<void> {
  const bs = quick ? 8 : 64;
  const batches = quick ? 2 : 10;
  const ours = augBench(bs, batches, false);
  const oursDeferred = augBench(bs, batches, true);
  const pt = await python(py, { what: 'aug', bs, insize: 460, size: 224, batches, min_scale: 0.75, threads: torch.getNumThreads() });
  const ptIps = pt ? (bs * batches) / pt.secs : undefined;
  results.aug = { bs, batches, ours, oursDeferred, pytorch: ptIps };
  console.log(`\n3. IntToFloatTensor + augTransforms({ size: 224, minScale: 0.75 }) on batches of ${bs}, images/s`);
  console.log(`   fastai-ts at 460 px (one composed gridSample):            ${fmt(ours)}   (${ratio(ours, ptIps)} PyTorch)`);
  console.log(`   fastai-ts on 288 px photos standing for 460 px (deferred): ${fmt(oursDeferred)}   (${ratio(oursDeferred, ptIps)} PyTorch)`);
  console.log(`   PyTorch at 460 px (affine_grid + grid_sample):             ${ptIps ? fmt(ptIps) : 'n/a'}`);
}

/** Part 4: an epoch with the real loader vs the same batches preloaded. */
async function reportOverlap(): Promise<void> {
  // The loader's CPU work shares the cores with training: a tiny net shows that cost bare, a
  // ResNet-18 at 224 px (the book's kind of model) shows what a real training run sees.
  const models: [string, (c: number) => nn.Module][] = [['a small conv net (3 convs)', smallNet]];
  if (!quick) models.push(['ResNet-18 at 224 px', (c) => resnet18({ numClasses: c })]);
  results.overlap = {};
  for (const [name, make] of models) {
    const o = await overlapBench(make);
    (results.overlap as Record<string, unknown>)[name] = o;
    console.log(`\n4. one epoch (${o.batches} batches of ${quick ? 8 : 64}) of ${name}`);
    console.log(`   with the real loader:      ${o.real.toFixed(2)} s`);
    console.log(`   with batches preloaded:    ${o.preloaded.toFixed(2)} s`);
    console.log(`   real / preloaded:          ${(o.real / o.preloaded).toFixed(2)}x   (target <= 1.10x)`);
  }
}

async function main(): Promise<void> {
  const py = findPython('torch, torchvision, PIL');
  console.log(`bench:data${quick ? ' (BENCH_QUICK: a few items only; numbers are not meaningful)' : ''}`);
  console.log(`CPU ${cpuModel()}, ${cores} cores; engine threads ${results.threads}, libuv pool threads ${results.threadPool}; python ${py ?? 'not found'}`);
  results.cpu = cpuModel();
  results.cores = cores;

  if (parts.has('loader')) await reportLoader(py);
  if (parts.has('items')) {
    results.items = {};
    for (const [name, dir] of [['pets (288 px)', PETS], ['pets-fullsize', FULLSIZE]] as const) {
      const all = name === 'pets-fullsize' ? repeated(getImageFiles(dir), 150) : getImageFiles(dir);
      await reportItems(py, name, quick ? all.slice(0, 16) : all);
    }
  }
  if (parts.has('aug')) await reportAug(py);
  if (parts.has('overlap')) await reportOverlap();
  pyProcess?.close();

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'data.json'), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
