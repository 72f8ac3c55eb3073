/**
 * DataLoaders: the training and validation loaders of a dataset, with what later stages need:
 * the vocab, the number of classes, a batch to look at, and loaders for new items.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { DataLoader, type DataLoaderOptions } from './dataloader.js';
import { type Dataset, Datasets, type DatasetsConfig } from './datasets.js';
import { Pipeline, type PipelineTransforms } from './pipeline.js';
import { showBatch, showResults } from './show-batch.js';
import type { BatchTransform, ItemTransform, ShowOptions, TransformBlock } from './transform.js';

/** Options for {@link DataLoaders.fromDatasets} and `DataBlock.dataloaders`. */
export interface DataLoadersOptions extends DataLoaderOptions {
  /** Validation batch size. Default: `bs`. */
  valBs?: number;
}

/** Options for {@link DataLoaders.testDl}. */
export interface TestDlOptions {
  /** The items are source items with labels (getX and getY run on them) instead of inputs. Default false. */
  withLabels?: boolean;
  /** Default: the validation loader's bs. */
  bs?: number;
  /** Default: the validation loader's. */
  numWorkers?: number;
  /** Default: the validation loader's. */
  device?: string;
}

/** What {@link DataLoaders.forInference} rebuilds loaders from. */
export interface InferenceConfig {
  /** The blocks, inputs first, already set up (e.g. `CategoryBlock({ vocab })`). */
  blocks: readonly TransformBlock[];
  /** How many leading blocks are inputs. Default `blocks.length - 1` (at least 1). */
  nInp?: number;
}

function noDataError(what: string): Error {
  return new Error(
    `${what}: this DataLoaders was loaded from an export and has no training data; build DataLoaders from your data ` +
      '(DataBlock.dataloaders) to train or show samples, or use testDl(items) for inference',
  );
}

/** True when an item is already what the input block's type transforms take (a path, bytes), so getX is not needed. */
function isRawInput(item: unknown): boolean {
  return typeof item === 'string' || item instanceof Uint8Array;
}

/**
 * The training loader (shuffled, last partial batch dropped) and the validation loader (in
 * order, complete) over the same pipeline.
 */
export class DataLoaders {
  /** The dataset's folder (where a Learner saves models, under `models/`). Default '.'. */
  path = '.';
  #inferenceOnly = false;

  /**
   * @param train the training loader; during a distributed fit, its `DistributedDL` share
   *   (set by the learner's DistributedTrainer and put back after the fit, as fastai's)
   * @param valid the validation loader (likewise)
   */
  constructor(
    public train: DataLoader<[Tensor, Tensor]>,
    public valid: DataLoader<[Tensor, Tensor]>,
    readonly datasets: Datasets,
  ) {}

  /**
   * Loaders for `dsets` with the given transforms (the blocks' own defaults are added and all
   * are sorted by `order`).
   */
  static fromDatasets(dsets: Datasets, tfms: PipelineTransforms = {}, options: DataLoadersOptions = {}): DataLoaders {
    const pipeline = Pipeline.create(dsets.blocks, tfms);
    const { valBs, ...common } = options;
    const train = new DataLoader<[Tensor, Tensor]>(dsets.train, pipeline, { shuffle: true, dropLast: true, ...common });
    // The training loader settled the defaults (seed, device); the validation loader shares them.
    const valid = new DataLoader<[Tensor, Tensor]>(dsets.valid, pipeline, {
      ...common, seed: train.seed, device: train.device, bs: valBs ?? options.bs, shuffle: false, dropLast: false,
    });
    return new DataLoaders(train, valid, dsets);
  }

  /**
   * Loaders with no data over set-up blocks and transforms, for inference (what `loadLearner`
   * rebuilds from an export): `testDl(items)`, `vocab`, `c`, `decodePreds` and `pipeline` work as
   * on the original; the training and validation sets are empty, and what needs their samples
   * (`oneBatch`, `showBatch`, `showResults`, labelled `testDl`) fails saying so. Items for
   * `testDl` must be what the input block opens (file paths, image bytes): getters are not stored.
   * @param tfms the transforms added to the blocks' own (the blocks' defaults are added again and all sorted by order)
   * @param options bs (the default of `testDl`; 64), device, numWorkers, prefetch, seed
   */
  static async forInference(config: InferenceConfig, tfms: PipelineTransforms = {}, options: DataLoadersOptions = {}): Promise<DataLoaders> {
    const blocks = config.blocks;
    if (!Array.isArray(blocks) || blocks.length === 0) throw new Error('DataLoaders.forInference: give at least one block, e.g. blocks: [ImageBlock(), CategoryBlock({ vocab })]');
    const identity = (item: unknown) => item;
    const dsets = await Datasets.forInference([], {
      blocks,
      getters: blocks.map(() => identity),
      nInp: config.nInp ?? Math.max(1, blocks.length - 1),
    });
    const pipeline = Pipeline.create(blocks, tfms);
    const { valBs, ...common } = options;
    // No training data: nothing to shuffle or drop (a dropLast loader refuses an empty set).
    const train = new DataLoader<[Tensor, Tensor]>(dsets.train, pipeline, { ...common, shuffle: false, dropLast: false });
    const valid = new DataLoader<[Tensor, Tensor]>(dsets.valid, pipeline, {
      ...common, seed: train.seed, device: train.device, bs: valBs ?? options.bs, shuffle: false, dropLast: false,
    });
    const dls = new DataLoaders(train, valid, dsets);
    dls.#inferenceOnly = true;
    return dls;
  }

  /** True for loaders made by {@link DataLoaders.forInference} (loaded from an export): no training or validation data. */
  get inferenceOnly(): boolean {
    return this.#inferenceOnly;
  }

  /** Throws, naming `what`, when these loaders have no data (see {@link DataLoaders.forInference}). */
  checkHasData(what: string): void {
    if (this.#inferenceOnly) throw noDataError(what);
  }

  /** [train, valid]. */
  get loaders(): [DataLoader<[Tensor, Tensor]>, DataLoader<[Tensor, Tensor]>] {
    return [this.train, this.valid];
  }

  /** The training dataset (fastai's `dls.train_ds`). */
  get trainDs(): Dataset {
    return this.train.dataset;
  }

  /** The validation dataset (fastai's `dls.valid_ds`). */
  get validDs(): Dataset {
    return this.valid.dataset;
  }

  /** The target's vocabulary (class names in index order). Throws when the target has none. */
  get vocab(): readonly string[] {
    const vocab = this.datasets.vocab;
    if (!vocab) throw new Error('DataLoaders: the target block has no vocab (only CategoryBlock targets do)');
    return vocab;
  }

  /** The number of classes (fastai's `dls.c`). */
  get c(): number {
    return this.vocab.length;
  }

  get device(): string {
    return this.train.device;
  }

  /** Sends later batches of both loaders to `device` (fastai's `dls.to`). Returns this. */
  to(device: string): this {
    this.train.device = device;
    this.valid.device = device;
    return this;
  }

  get bs(): number {
    return this.train.bs;
  }

  /** The blocks' kinds, e.g. `['image', 'category']`. */
  get kinds(): readonly string[] {
    return this.train.kinds;
  }

  /** The blocks and transforms shared by both loaders (transforms sorted by order). */
  get pipeline(): Pipeline {
    return this.train.pipeline;
  }

  /** The first training batch of the next epoch (augmented); the caller disposes it. */
  oneBatch(): Promise<[Tensor, Tensor]> {
    if (this.#inferenceOnly) return Promise.reject(noDataError('oneBatch'));
    return this.train.oneBatch();
  }

  /** The label of class index `i`. */
  decodeTarget(i: number): string {
    const label = this.vocab[i];
    if (label === undefined) throw new RangeError(`decodeTarget: class ${i} is outside the ${this.c} classes`);
    return label;
  }

  /**
   * Decodes predictions: `preds` holds one row of scores (logits or probabilities) per item,
   * or the class indices. Returns each item's class index and label.
   */
  decodePreds(preds: Tensor): { indices: number[]; labels: string[] } {
    const idx = torch.tidy(() => (preds.ndim > 1 ? preds.argmax(-1) : preds).to('int64').cpu().toTypedArray() as BigInt64Array);
    const indices = Array.from(idx, Number);
    return { indices, labels: indices.map((i) => this.decodeTarget(i)) };
  }

  /**
   * Adds transforms to both loaders (fastai's `add_tfms`), e.g. `Normalize` for a pretrained
   * model. Kept sorted by order.
   */
  addTfms(tfms: readonly (BatchTransform | ItemTransform)[], event: 'batch' | 'item' = 'batch'): void {
    const pipeline = this.pipeline.withTfms(tfms, event);
    this.train.pipeline = pipeline;
    this.valid.pipeline = pipeline;
  }

  /**
   * A loader over new items with the validation transforms (deterministic), for inference.
   * Items are what the input block opens (file paths, image bytes) or source items like the
   * training ones (then getX runs on them). With `withLabels`, getY runs too and batches are
   * `[x, y]`; otherwise `[x]`.
   */
  async testDl(items: readonly unknown[], options: TestDlOptions = {}): Promise<DataLoader<Tensor[]>> {
    if (items.length === 0) throw new RangeError('testDl: no items given');
    const config: DatasetsConfig = this.datasets.config;
    const withLabels = options.withLabels ?? false;
    if (withLabels) this.checkHasData('testDl({ withLabels: true }) (the getters that find labels are not stored in an export)');
    const n = withLabels ? config.blocks.length : config.nInp;
    const blocks: TransformBlock[] = config.blocks.slice(0, n);
    const getters = config.getters.slice(0, n).map((g, b) => (b < config.nInp && !withLabels ? (item: unknown) => (isRawInput(item) ? item : g(item)) : g));
    const dsets = await Datasets.forInference(items, { ...config, blocks, getters });
    return new DataLoader<Tensor[]>(dsets.valid, this.pipeline.withBlocks(blocks), {
      bs: options.bs ?? this.valid.bs,
      numWorkers: options.numWorkers ?? this.valid.numWorkers,
      device: options.device ?? this.valid.device,
      seed: this.valid.seed,
      shuffle: false,
      dropLast: false,
    });
  }

  /** Shows training samples (augmented) with their labels as a PNG (a grid, for images); see {@link ShowOptions}. */
  showBatch(options: ShowOptions & { batch?: readonly Tensor[] } = {}): Promise<Buffer> {
    if (!options.batch && this.#inferenceOnly) return Promise.reject(noDataError('showBatch'));
    return showBatch(this.train, options);
  }

  /** Draws validation samples with actual and predicted labels (see `showResults`). */
  showResults(batch: readonly Tensor[], preds: Tensor, options: ShowOptions = {}): Promise<Buffer> {
    if (this.#inferenceOnly) return Promise.reject(noDataError('showResults'));
    return showResults(this.valid, batch, preds, options);
  }
}
