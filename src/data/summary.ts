/**
 * DataBlock.summary: builds one sample and one batch step by step, printing each function and
 * what it returned, like fastai's. Reading it shows where a recipe goes wrong.
 * @module
 */
import { CollateError, disposeSamples } from './collate.js';
import type { DataBlock } from './datablock.js';
import { DataLoaders } from './dataloaders.js';
import type { PipelineObserver } from './pipeline.js';
import { describeValue } from './transform.js';
import { checkInt } from './validate.js';

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

/**
 * Prints each step of the loader's pipeline as it runs: the item transforms of the first
 * sample, collation, the move to the device and the batch transforms (what the loader does,
 * through the same Pipeline).
 */
function printer(print: (l: string) => void, device: string, batchPipeline: string): PipelineObserver {
  let firstItemStep = true;
  return (step) => {
    const name = step.transform ? fnName(step.transform) : step.stage;
    if (step.stage === 'item' && firstItemStep) {
      print('    starting from');
      print(`      ${describeTuple(step.input)}`);
      firstItemStep = false;
    }
    if (step.stage === 'collate') {
      if (step.error !== undefined) {
        const e = step.error;
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
        return;
      }
      print(`  ${describeTuple(step.output ?? [])}`);
      for (const layout of step.layouts ?? []) if (layout !== undefined) print(`  (${String(layout)})`);
      return;
    }
    if (step.stage === 'device') {
      print(`\nApplying batch_tfms to the batch built (on ${device})`);
      print(`  Pipeline: ${batchPipeline}`);
      print('    starting from');
      print(`      ${describeTuple(step.output ?? [])}`);
      return;
    }
    if (step.error !== undefined) {
      print(`    applying ${name} failed`);
      print(`      on: ${describeTuple(step.input)}`);
      print(indent(`error: ${(step.error as Error).message}`, 6));
      return;
    }
    print(`    applying ${name} gives`);
    print(`      ${describeTuple(step.output ?? [])}`);
  };
}

/** The body of `DataBlock.summary` (see there). */
export async function summarize(dblock: DataBlock<unknown>, source: unknown, options: SummaryOptions = {}): Promise<void> {
  const print = options.print ?? ((l: string) => console.log(l));
  const bs = checkInt('summary', 'bs', options.bs ?? 4, 1);
  print('Setting-up type transforms pipelines');
  print(`Collecting items from ${describeValue(source)}`);
  const items = await dblock.getItems(source);
  print(`Found ${items.length} items`);
  let dsets: Awaited<ReturnType<typeof dblock.datasets>>;
  try {
    dsets = await dblock.datasetsFromItems(items, source);
  } catch (e) {
    print('Building the datasets (splitting, getters, labels) failed:');
    print(indent(`error: ${(e as Error).message}`, 2));
    throw e;
  }
  print(`2 datasets of sizes ${dsets.train.length},${dsets.valid.length}`);
  const pipelines = dblock.blocks.map((block, b) => [fnName(dblock.getters[b]), ...block.typeTfms.map(fnName)].join(' -> '));
  for (const p of pipelines) print(`Setting up Pipeline: ${p}`);

  // The datasets' side, step by step: the getters and type transforms of the first item.
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

  // The loader's side, through its own pipeline.
  const dls = DataLoaders.fromDatasets(dsets, { itemTfms: dblock.itemTfms, batchTfms: dblock.batchTfms }, {
    bs, seed: options.seed, device: options.device, dropLast: false, numWorkers: 1,
  });
  const dl = dls.train;
  const { itemTfms, batchTfms } = dl.pipeline;
  const itemPipeline = itemTfms.map(fnName).join(' -> ');
  const batchPipeline = batchTfms.map(fnName).join(' -> ');
  print('');
  print(`Setting up after_item: Pipeline: ${itemPipeline}`);
  print('Setting up before_batch: Pipeline: ');
  print(`Setting up after_batch: Pipeline: ${batchPipeline}`);

  print('\nBuilding one batch');
  print('Applying item_tfms to the first sample:');
  print(`  Pipeline: ${itemPipeline}`);
  const observe = printer(print, dl.device, batchPipeline);
  const loaded: unknown[][] = [await dl.loadSample(0, 0, observe)];
  const n = Math.min(bs, dsets.train.length);
  if (n > 1) print(`\nAdding the next ${n - 1} samples`);
  try {
    for (let i = 1; i < n; i++) loaded.push(await dl.loadSample(i, 0));
  } catch (e) {
    disposeSamples(loaded);
    throw e;
  }
  print('\nNo before_batch transform to apply');
  print('\nCollating items in a batch');
  const batch = dl.makeBatch(loaded, dl.batchContext(0, 0), observe); // frees the samples
  for (const t of batch) t.dispose();
}
