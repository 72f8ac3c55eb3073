/**
 * The issue-8 pets recipe (fastai's `fine_tune` with presizing) as fastai-ts code, shared by
 * bench/train.ts's runner and bench/train-overhead.ts so both train exactly what
 * `../shared/reference/pets_finetune_ref.py` trains.
 */
import {
  augTransforms, CategoryBlock, DataBlock, type DataLoaders, getImageFiles, ImageBlock, RandomSplitter, RegexLabeller, Resize, setSeed, usingAttr,
} from '../../src/index.js';

/** Sizes of one benchmark configuration (the full recipe, or BENCH_QUICK's tiny one). */
export interface Recipe {
  data: string;
  weights: string;
  /** e.g. 'mobilenet_v1_0.75'; its safetensors is `${weights}/${arch}_224.safetensors`. */
  arch: string;
  /** MobileNet width multiplier of `arch` (the reference's --alpha). */
  alpha: number;
  /** Item `Resize` (the reference's --item). */
  item: number;
  /** `augTransforms` output size (the reference's --size). */
  size: number;
  bs: number;
  seed: number;
  /** fineTune's epochs after the one frozen epoch. */
  epochs: number;
}

/** The recipe, or with BENCH_QUICK a tiny one that only checks the benchmark runs. */
export function recipe(quick: boolean): Recipe {
  const common = { data: '../shared/data/pets', weights: '../shared/models', bs: 16, seed: 42 };
  return quick
    ? { ...common, arch: 'mobilenet_v1_0.25', alpha: 0.25, item: 96, size: 64, epochs: 1 }
    : { ...common, arch: 'mobilenet_v1_0.75', alpha: 0.75, item: 192, size: 160, epochs: 4 };
}

/** Seeds everything and builds the recipe's DataLoaders (RandomSplitter 0.2, labels from the file name). */
export async function petsDls(r: Recipe): Promise<DataLoaders> {
  setSeed(r.seed);
  const block = new DataBlock({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed: r.seed }),
    getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'),
    itemTfms: Resize(r.item),
    batchTfms: augTransforms({ size: r.size, minScale: 0.75 }),
  });
  return block.dataloaders(r.data, { bs: r.bs });
}
