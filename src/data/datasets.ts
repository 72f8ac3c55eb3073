/**
 * Datasets: the items, their split, and the samples built from them by the blocks' type
 * transforms (fastai's `Datasets`).
 * @module
 */
import type { Getter } from './labellers.js';
import type { Splits } from './splitters.js';
import type { Split, TransformBlock } from './transform.js';
import { checkOneOf } from './validate.js';

/** What to do with an item whose sample cannot be built (e.g. a corrupt image). */
export type OnError = 'raise' | 'skip';

/** The accepted {@link OnError} values. */
export const onErrorValues: readonly OnError[] = ['raise', 'skip'];

/** How a {@link Datasets} builds samples. */
export interface DatasetsConfig {
  blocks: readonly TransformBlock[];
  /** One getter per block: item -> the value the block's type transforms start from. */
  getters: readonly Getter[];
  /** How many leading blocks are inputs (the rest are targets). */
  nInp: number;
  /** 'raise' (default) or 'skip' unreadable samples when loading. */
  onError?: OnError;
}

async function runTypeTfms(block: TransformBlock, value: unknown): Promise<unknown> {
  let v = value;
  for (const t of block.typeTfms) v = await t.apply(v);
  return v;
}

/** One subset (training or validation) of a {@link Datasets}. */
export class Dataset {
  /**
   * @param parent the datasets this subset belongs to
   * @param indices item indices of this subset, in order
   * @param split whether random item transforms apply
   */
  constructor(
    readonly parent: Datasets,
    readonly indices: readonly number[],
    readonly split: Split,
  ) {}

  /** Number of samples. */
  get length(): number {
    return this.indices.length;
  }

  /** The source items of this subset, in order (fastai's `dls.valid_ds.items`). */
  get items(): unknown[] {
    return this.indices.map((k) => this.parent.items[k]);
  }

  /** The source item of sample `i` (e.g. the file path). */
  item(i: number): unknown {
    return this.parent.items[this.at(i)];
  }

  private at(i: number): number {
    const k = this.indices[i];
    if (k === undefined) throw new RangeError(`sample ${i} is outside this ${this.split} set of ${this.length}`);
    return k;
  }

  /** Sample `i`: one value per block, after the type transforms (e.g. `[Image, 13]`). */
  get(i: number): Promise<unknown[]> {
    return this.parent.sample(this.at(i));
  }
}

/**
 * The items, split into training and validation, with eager values for non-lazy blocks
 * (labels are computed and encoded for every item when the datasets are built, so a label
 * problem shows at once) and lazy ones built per sample (images).
 */
export class Datasets {
  readonly train: Dataset;
  readonly valid: Dataset;
  readonly onError: OnError;

  private constructor(
    readonly items: readonly unknown[],
    readonly splits: Splits,
    readonly config: DatasetsConfig,
    /** Per block: values for every item (eager blocks: after type transforms; lazy: getter outputs). */
    private readonly values: readonly (readonly unknown[])[],
  ) {
    this.train = new Dataset(this, splits[0], 'train');
    this.valid = new Dataset(this, splits[1], 'valid');
    this.onError = checkOneOf('Datasets', 'onError', config.onError ?? 'raise', onErrorValues);
  }

  /**
   * Builds the datasets: runs every getter on every item, sets up the eager blocks' type
   * transforms on the training values (e.g. the vocab), and encodes all eager values.
   */
  static async create(items: readonly unknown[], splits: Splits, config: DatasetsConfig, options: { setup?: boolean } = {}): Promise<Datasets> {
    const setup = options.setup ?? true;
    checkOneOf('Datasets', 'onError', config.onError ?? 'raise', onErrorValues); // before the work of building
    if (config.getters.length !== config.blocks.length) {
      throw new Error(`Datasets: ${config.blocks.length} blocks but ${config.getters.length} getters; give one getter per block`);
    }
    const values: unknown[][] = [];
    for (let b = 0; b < config.blocks.length; b++) {
      const block = config.blocks[b]!;
      const getter = config.getters[b]!;
      let vals = await Promise.all(items.map((item) => getter(item)));
      if (!block.lazy) {
        for (const t of block.typeTfms) {
          if (setup) t.setup?.(splits[0].map((i) => vals[i]));
          vals = await Promise.all(vals.map((v) => t.apply(v)));
        }
      }
      values.push(vals);
    }
    return new Datasets(items, splits, config, values);
  }

  /**
   * New items through already set-up blocks (all as validation, nothing re-learned), for
   * inference: see DataLoaders.testDl.
   */
  static forInference(items: readonly unknown[], config: DatasetsConfig): Promise<Datasets> {
    return Datasets.create(items, [[], items.map((_, i) => i)], config, { setup: false });
  }

  get blocks(): readonly TransformBlock[] {
    return this.config.blocks;
  }

  /** The kinds of the blocks, e.g. `['image', 'category']`. */
  get kinds(): string[] {
    return this.config.blocks.map((b) => b.kind);
  }

  /** The vocabulary of the first block that has one (the target's). */
  get vocab(): readonly string[] | undefined {
    return this.config.blocks.find((b) => b.vocab !== undefined)?.vocab;
  }

  /** The value block `b` has for item `k` before any lazy type transform. */
  rawValue(b: number, k: number): unknown {
    return this.values[b]![k];
  }

  /** The sample for item index `k` (into `items`). */
  async sample(k: number): Promise<unknown[]> {
    return Promise.all(
      this.config.blocks.map((block, b) => (block.lazy ? runTypeTfms(block, this.values[b]![k]) : this.values[b]![k])),
    );
  }
}
