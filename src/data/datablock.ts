/**
 * DataBlock: fastai's recipe for going from a source (a folder, a CSV's rows) to DataLoaders:
 * what kinds of data (blocks), how to find the items, how to get each part of a sample from
 * an item, how to split, and which transforms to apply.
 * @module
 */
import { DataLoaders, type DataLoadersOptions } from './dataloaders.js';
import { Datasets, type OnError, onErrorValues } from './datasets.js';
import type { Getter } from './labellers.js';
import { RandomSplitter, type Splitter } from './splitters.js';
import { summarize, type SummaryOptions } from './summary.js';
import type { BatchTransform, ItemTransform, TransformBlock } from './transform.js';
import { checkOneOf } from './validate.js';

/** Options for {@link DataBlock}. */
export interface DataBlockOptions<I = unknown> {
  /** The kinds of data in a sample, inputs first: e.g. `[ImageBlock(), CategoryBlock()]`. */
  blocks: readonly TransformBlock[];
  /** Finds the items in the source (e.g. `getImageFiles`). Default: the source is already the list of items. */
  getItems?: (source: never) => readonly I[] | Promise<readonly I[]>;
  /** Item -> input (e.g. a CSV row -> its image path). Default: the item itself. */
  getX?: Getter<I>;
  /** Item -> target (e.g. a labeller). Default: the item itself. */
  getY?: Getter<I>;
  /** One getter per block, instead of getX/getY (for more than two blocks). */
  getters?: readonly Getter<I>[];
  /** Splits the items into training and validation. Default `RandomSplitter()` (validPct 0.2, unseeded). */
  splitter?: Splitter<I>;
  /** Per-sample CPU transforms, e.g. `Resize(460)`. Default none (the blocks add their own, e.g. ToTensor). */
  itemTfms?: ItemTransform | readonly ItemTransform[];
  /** Per-batch engine transforms, e.g. `augTransforms({ size: 224, minScale: 0.75 })`. Default none. */
  batchTfms?: BatchTransform | readonly BatchTransform[];
  /** How many leading blocks are inputs. Default `blocks.length - 1`. */
  nInp?: number;
}

const identity = <T>(x: T): T => x;

function asList<T>(v: T | readonly T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

/**
 * A recipe for DataLoaders (fastai's `DataBlock`).
 *
 * @example
 * const pets = new DataBlock({
 *   blocks: [ImageBlock(), CategoryBlock()],
 *   getItems: getImageFiles,
 *   splitter: RandomSplitter({ seed: 42 }),
 *   getY: usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name'),
 *   itemTfms: Resize(460),
 *   batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
 * });
 * const dls = await pets.dataloaders('data/pets', { bs: 64 });
 * for await (const [x, y] of dls.train) { ...; x.dispose(); y.dispose(); }
 * await pets.summary('data/pets'); // when something goes wrong
 */
export class DataBlock<I = unknown> {
  readonly blocks: readonly TransformBlock[];
  readonly getters: readonly Getter<I>[];
  readonly splitter: Splitter<I>;
  readonly itemTfms: ItemTransform[];
  readonly batchTfms: BatchTransform[];
  readonly nInp: number;
  private readonly getItemsFn?: (source: unknown) => readonly I[] | Promise<readonly I[]>;

  constructor(options: DataBlockOptions<I>) {
    if (!options.blocks || options.blocks.length < 1) throw new Error('DataBlock: give at least one block, e.g. blocks: [ImageBlock(), CategoryBlock()]');
    this.blocks = options.blocks;
    this.nInp = options.nInp ?? Math.max(1, this.blocks.length - 1);
    if (options.getters) {
      if (options.getters.length !== this.blocks.length) {
        throw new Error(`DataBlock: ${this.blocks.length} blocks but ${options.getters.length} getters; give one getter per block`);
      }
      this.getters = options.getters;
    } else {
      this.getters = this.blocks.map((_, b) => (b < this.nInp ? (options.getX ?? identity) : (options.getY ?? identity)) as Getter<I>);
    }
    this.splitter = options.splitter ?? RandomSplitter<I>();
    this.itemTfms = asList(options.itemTfms);
    this.batchTfms = asList(options.batchTfms);
    this.getItemsFn = options.getItems as ((source: unknown) => readonly I[] | Promise<readonly I[]>) | undefined;
  }

  /** The items of `source`: `getItems(source)`, or the source itself when it is an array and there is no getItems. */
  async getItems(source: unknown): Promise<readonly I[]> {
    if (this.getItemsFn) return this.getItemsFn(source);
    if (Array.isArray(source)) return source as I[];
    throw new Error(`DataBlock: no getItems, so the source must be an array of items, got ${JSON.stringify(source)}; add getItems (e.g. getImageFiles)`);
  }

  /**
   * The training and validation datasets for `source`: items found, split, labels encoded.
   * @param options.onError 'raise' (default) or 'skip' samples that cannot be read, with one warning per epoch
   */
  async datasets(source: unknown, options: { onError?: OnError } = {}): Promise<Datasets> {
    checkOneOf('DataBlock', 'onError', options.onError ?? 'raise', onErrorValues); // before listing a large folder
    return this.datasetsFromItems(await this.getItems(source), source, options);
  }

  /**
   * The datasets for items already found (what {@link datasets} does after `getItems`).
   * @param source where the items came from, for messages
   */
  async datasetsFromItems(items: readonly I[], source: unknown, options: { onError?: OnError } = {}): Promise<Datasets> {
    if (items.length === 0) throw new Error(`DataBlock: getItems found no items in ${JSON.stringify(source)}; check the source`);
    const splits = this.splitter(items);
    return Datasets.create(items, splits, {
      blocks: this.blocks,
      getters: this.getters as Getter[],
      nInp: this.nInp,
      onError: options.onError,
    });
  }

  /**
   * DataLoaders for `source`: training (shuffled, last partial batch dropped) and validation.
   * Options: bs (64), valBs, shuffle, dropLast, seed, numWorkers, prefetch, device, onError.
   */
  async dataloaders(source: unknown, options: DataLoadersOptions & { onError?: OnError } = {}): Promise<DataLoaders> {
    const { onError, ...rest } = options;
    const dsets = await this.datasets(source, { onError });
    const dls = DataLoaders.fromDatasets(dsets, { itemTfms: this.itemTfms, batchTfms: this.batchTfms }, rest);
    if (typeof source === 'string') dls.path = source;
    return dls;
  }

  /**
   * Prints, step by step, how the first samples and a batch are built (fastai's
   * `DataBlock.summary`). When a step throws, prints what worked, the failing step, its input
   * and the error, then rethrows.
   */
  summary(source: unknown, options: SummaryOptions = {}): Promise<void> {
    return summarize(this as DataBlock<unknown>, source, options);
  }
}
