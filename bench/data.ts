/**
 * bench:data: throughput of the data pipeline beside a PIL + torchvision baseline
 * (bench/data.py, when a python with torch, torchvision and PIL is found).
 *
 * 1. items: decode + Resize(460) (random crop) + ToTensor on the pets photos, images/s, with one
 *    decode at a time and with the loader's default numWorkers; PIL in one process.
 * 2. batches: IntToFloatTensor + augTransforms({ size: 224, minScale: 0.75 }) on uint8 batches
 *    of 64 at 460 px, images/s; the same engine work from PyTorch.
 * 3. overlap: one epoch of a small conv net with the real loader vs the same batches already in
 *    memory (the loader's cost that training does not hide).
 *
 * Targets (issue 4): items >= 1.5x PIL; real-loader epoch <= 1.10x the preloaded one.
 * BENCH_QUICK=1 runs a few images and batches only, to check the bench end to end.
 * Results: stdout and bench/results/data.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PETS = process.env.FASTAI_TS_SHARED ? join(process.env.FASTAI_TS_SHARED, 'data', 'pets') : join(ROOT, '..', 'shared', 'data', 'pets');
const quick = process.env.BENCH_QUICK === '1';
/** BENCH_PARTS=items,aug,overlap (default all) runs some parts only. */
const parts = new Set((process.env.BENCH_PARTS ?? 'items,aug,overlap').split(','));
const results: Record<string, unknown> = { quick, threads: torch.getNumThreads(), threadPool: threadPoolSize() };

function python(py: string | null, cmd: Record<string, unknown>): { secs: number; torch: string; torchvision: string } | null {
  if (!py) return null;
  const r = spawnSync(py, [join(ROOT, 'bench', 'data.py'), JSON.stringify(cmd)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/data.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
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


/** Part 1: items/s of decode + Resize(460), beside PIL. */
async function reportItems(py: string | null, files: readonly string[]): Promise<void> {
  const cold = await itemBench(files, 1, true); // first epoch: every header is read once
  const one = await itemBench(files, 1, true); // later epochs: headers cached
  const many = await itemBench(files, 64, true); // as the loader: many queued, UV_THREADPOOL_SIZE threads decode
  const cpuOne = await itemBench(files, 1, false);
  const cpuMany = await itemBench(files, 64, false);
  const pil = python(py, { what: 'item', files, size: 460 });
  const pilIps = pil ? files.length / pil.secs : undefined;
  results.items = { images: files.length, firstEpochOneWorker: cold, oneWorker: one, defaultWorkers: many, enlargedOnCpuOneWorker: cpuOne, enlargedOnCpuDefaultWorkers: cpuMany, pil: pilIps };
  console.log(`\n1. decode + Resize(460) + ToTensor on ${files.length} pets photos, images/s`);
  console.log('   fastai-ts as the loader runs it before augTransforms (enlargement left to the batch resample):');
  console.log(`     1 decode at a time, first epoch:  ${fmt(cold)}   (${ratio(cold, pilIps)} PIL)`);
  console.log(`     1 decode at a time:               ${fmt(one)}   (${ratio(one, pilIps)} PIL)`);
  console.log(`     ${threadPoolSize()} pool threads (the loader):      ${fmt(many)}   (${ratio(many, pilIps)} PIL; target >= 1.5x)`);
  console.log('   fastai-ts enlarging on the CPU to 460 (libvips):');
  console.log(`     1 decode at a time:               ${fmt(cpuOne)}   (${ratio(cpuOne, pilIps)} PIL)`);
  console.log(`     ${threadPoolSize()} pool threads:                   ${fmt(cpuMany)}   (${ratio(cpuMany, pilIps)} PIL)`);
  console.log(`   PIL + torchvision, one process:     ${pilIps ? fmt(pilIps) : 'n/a'}`);
  if (pil) results.python = `PyTorch ${pil.torch}, torchvision ${pil.torchvision} (${py})`;
}

/** Part 2: images/s of the batch augmentation, beside PyTorch. */
function reportAug(py: string | null): void {
  const bs = quick ? 8 : 64;
  const batches = quick ? 2 : 10;
  const ours = augBench(bs, batches, false);
  const oursDeferred = augBench(bs, batches, true);
  const pt = python(py, { what: 'aug', bs, insize: 460, size: 224, batches, min_scale: 0.75, threads: torch.getNumThreads() });
  const ptIps = pt ? (bs * batches) / pt.secs : undefined;
  results.aug = { bs, batches, ours, oursDeferred, pytorch: ptIps };
  console.log(`\n2. IntToFloatTensor + augTransforms({ size: 224, minScale: 0.75 }) on batches of ${bs}, images/s`);
  console.log(`   fastai-ts at 460 px (one composed gridSample):            ${fmt(ours)}   (${ratio(ours, ptIps)} PyTorch)`);
  console.log(`   fastai-ts on 288 px photos standing for 460 px (deferred): ${fmt(oursDeferred)}   (${ratio(oursDeferred, ptIps)} PyTorch)`);
  console.log(`   PyTorch at 460 px (affine_grid + grid_sample):             ${ptIps ? fmt(ptIps) : 'n/a'}`);
}

/** Part 3: an epoch with the real loader vs the same batches preloaded. */
async function reportOverlap(): Promise<void> {
  // The loader's CPU work shares the cores with training: a tiny net shows that cost bare, a
  // ResNet-18 at 224 px (the book's kind of model) shows what a real training run sees.
  const models: [string, (c: number) => nn.Module][] = [['a small conv net (3 convs)', smallNet]];
  if (!quick) models.push(['ResNet-18 at 224 px', (c) => resnet18({ numClasses: c })]);
  results.overlap = {};
  for (const [name, make] of models) {
    const o = await overlapBench(make);
    (results.overlap as Record<string, unknown>)[name] = o;
    console.log(`\n3. one epoch (${o.batches} batches of ${quick ? 8 : 64}) of ${name}`);
    console.log(`   with the real loader:      ${o.real.toFixed(2)} s`);
    console.log(`   with batches preloaded:    ${o.preloaded.toFixed(2)} s`);
    console.log(`   real / preloaded:          ${(o.real / o.preloaded).toFixed(2)}x   (target <= 1.10x)`);
  }
}

async function main(): Promise<void> {
  const py = findPython('torch, torchvision, PIL');
  const all = getImageFiles(PETS);
  const files = quick ? all.slice(0, 16) : all;
  console.log(`bench:data${quick ? ' (BENCH_QUICK: a few items only; numbers are not meaningful)' : ''}`);
  console.log(`engine threads ${results.threads}, libuv pool threads ${results.threadPool}, python ${py ?? 'not found'}`);

  if (parts.has('items')) await reportItems(py, files);
  if (parts.has('aug')) reportAug(py);
  if (parts.has('overlap')) await reportOverlap();

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'data.json'), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
