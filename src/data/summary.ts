/**
 * DataBlock.summary: builds one sample and one batch step by step, printing each function and
 * what it returned, like fastai's. Reading it shows where a recipe goes wrong.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { CollateError, collateSamples, disposeSamples } from './collate.js';
import type { DataBlock } from './datablock.js';
import { DataLoader } from './dataloader.js';
import { DataLoaders } from './dataloaders.js';
import { Rng, Stream } from './random.js';
import { type BatchContext, describeValue } from './transform.js';

/** Options for `DataBlock.summary`. */
export interface SummaryOptions {
  /** Samples in the batch built. Default 4. */
  bs?: number;
  /** Where lines go. Default console.log. */
  print?: (line: string) => void;
  /** Seed for the loaders (order and augmentation). Default: drawn from the engine's generator. */
  seed?: number;
  /** Device for the batch. Default: 'cuda' when available, else 'cpu'. */
  device?: string;
}

function fnName(f: unknown): string {
  if (typeof f === 'function') return f.name || 'anonymous function';
  if (f && typeof f === 'object' && 'name' in f) {
    const t = f as { name: string; describe?: () => string };
    const d = t.describe?.();
    return d ? `${t.name} -- ${d}` : t.name;
  }
  return String(f);
}

function describeTuple(values: readonly unknown[]): string {
  return `(${values.map(describeValue).join(', ')})`;
}

function indent(text: string, spaces: number): string {
  return text.split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
}

/** Runs `step`; on failure prints it with its input and the error, then rethrows. */
async function step<T>(print: (l: string) => void, name: string, input: string, run: () => T | Promise<T>, depth = 4): Promise<T> {
  try {
    return await run();
  } catch (e) {
    print(`${' '.repeat(depth)}applying ${name} failed`);
    print(`${' '.repeat(depth + 2)}on: ${input}`);
    print(indent(`error: ${(e as Error).message}`, depth + 2));
    throw e;
  }
}

/** The body of `DataBlock.summary` (see there). */
export async function summarize(dblock: DataBlock<unknown>, source: unknown, options: SummaryOptions = {}): Promise<void> {
  const print = options.print ?? ((l: string) => console.log(l));
  const bs = options.bs ?? 4;
  print('Setting-up type transforms pipelines');
  print(`Collecting items from ${describeValue(source)}`);
  const items = await dblock.getItems(source);
  print(`Found ${items.length} items`);
  let dsets: Awaited<ReturnType<typeof dblock.datasets>>;
  try {
    dsets = await dblock.datasets(source);
  } catch (e) {
    print('Building the datasets (splitting, getters, labels) failed:');
    print(indent(`error: ${(e as Error).message}`, 2));
    throw e;
  }
  print(`2 datasets of sizes ${dsets.train.length},${dsets.valid.length}`);
  const pipelines = dblock.blocks.map((block, b) => [fnName(dblock.getters[b]), ...block.typeTfms.map(fnName)].join(' -> '));
  for (const p of pipelines) print(`Setting up Pipeline: ${p}`);

  print('\nBuilding one sample');
  if (dsets.train.length === 0) throw new Error('summary: the training set is empty; check the splitter');
  const item = dsets.train.item(0);
  const sample: unknown[] = [];
  for (let b = 0; b < dblock.blocks.length; b++) {
    const block = dblock.blocks[b]!;
    print(`  Pipeline: ${pipelines[b]}`);
    print('    starting from');
    print(`      ${describeValue(item)}`);
    const getter = dblock.getters[b]!;
    let v: unknown = await step(print, fnName(getter), describeValue(item), () => getter(item));
    print(`    applying ${fnName(getter)} gives`);
    print(`      ${describeValue(v)}`);
    for (const t of block.typeTfms) {
      const input = v;
      v = await step(print, fnName(t), describeValue(input), () => t.apply(input));
      print(`    applying ${fnName(t)} gives`);
      print(`      ${describeValue(v)}`);
    }
    sample.push(v);
  }
  print(`\nFinal sample: ${describeTuple(sample)}`);

  const dls = DataLoaders.fromDatasets(dsets, { itemTfms: dblock.itemTfms, batchTfms: dblock.batchTfms }, {
    bs, seed: options.seed, device: options.device, dropLast: false, numWorkers: 1,
  });
  const dl: DataLoader = dls.train;
  const { itemTfms, batchTfms } = dl.pipeline;
  print('');
  print(`Setting up after_item: Pipeline: ${itemTfms.map(fnName).join(' -> ')}`);
  print('Setting up before_batch: Pipeline: ');
  print(`Setting up after_batch: Pipeline: ${batchTfms.map(fnName).join(' -> ')}`);

  print('\nBuilding one batch');
  print('Applying item_tfms to the first sample:');
  print(`  Pipeline: ${itemTfms.map(fnName).join(' -> ')}`);
  print('    starting from');
  print(`      ${describeTuple(sample)}`);
  const ctx = { split: 'train' as const, rng: Rng.fromKeys(dl.seed, Stream.item, 0, 0), deferEnlarge: dl.deferEnlarge };
  let first: unknown[] = sample;
  const loaded: unknown[][] = [];
  try {
    for (const t of itemTfms) {
      const input = first;
      first = await step(print, fnName(t), describeTuple(input), () => Promise.all(input.map((v) => t.apply(v, ctx))));
      print(`    applying ${fnName(t)} gives`);
      print(`      ${describeTuple(first)}`);
    }
    loaded.push(first);
    const n = Math.min(bs, dsets.train.length);
    if (n > 1) print(`\nAdding the next ${n - 1} samples`);
    for (let i = 1; i < n; i++) loaded.push(await dl.loadSample(i, 0));
    print('\nNo before_batch transform to apply');
    print('\nCollating items in a batch');
    let batch: Tensor[];
    let pendingEnlarge: BatchContext['pendingEnlarge'];
    try {
      ({ batch, pendingEnlarge } = collateSamples(loaded, dl.pipeline.blocks));
    } catch (e) {
      if (e instanceof CollateError) {
        print("Error! It's not possible to collate your items in a batch");
        print(
          e.shapes.length
            ? `Could not collate the ${e.position}-th members of your tuples because got the following shapes:\n${e.shapes.join(', ')}`
            : e.message,
        );
      } else {
        print(`Error while collating: ${(e as Error).message}`);
      }
      throw e;
    }
    print(`  ${describeTuple(batch)}`);
    for (const p of pendingEnlarge ?? []) {
      if (!p) continue;
      const counts = new Map<string, number>();
      for (const [w, h] of p.sizes) counts.set(`${h}x${w}`, (counts.get(`${h}x${w}`) ?? 0) + 1);
      const sizes = [...counts].map(([k, c]) => (c > 1 ? `${c} at ${k}` : k)).join(', ');
      print(`  (images at their decoded size, ${sizes}, stand for ${p.target[1]}x${p.target[0]}: the batch resample enlarges them)`);
    }
    try {
      const collated = batch;
      batch = torch.tidy(() => collated.map((t) => t.toDevice(dl.device)));
      torch.dispose(collated);
      print(`\nApplying batch_tfms to the batch built (on ${dl.device})`);
      print(`  Pipeline: ${batchTfms.map(fnName).join(' -> ')}`);
      print('    starting from');
      print(`      ${describeTuple(batch)}`);
      let bctx: BatchContext = { ...dl.batchContext(0, 0), pendingEnlarge };
      for (const t of batchTfms) {
        const input = batch;
        const c = bctx;
        batch = await step(print, fnName(t), describeTuple(input), () => torch.tidy(() => t.apply(input, c)));
        if (t.absorbsEnlarge) bctx = { ...bctx, pendingEnlarge: undefined };
        if (input !== batch) torch.dispose(input.filter((x) => !batch.includes(x)));
        print(`    applying ${fnName(t)} gives`);
        print(`      ${describeTuple(batch)}`);
      }
    } finally {
      torch.dispose(batch);
    }
  } finally {
    disposeSamples([first, ...loaded]);
  }
}
