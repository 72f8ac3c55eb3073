/**
 * CategoryBlock: single-label classification targets.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { Categorize, type CategorizeOptions, vocabFromJSON } from './categorize.js';
import { registerSpec, type TransformSpec } from './spec.js';
import type { TransformBlock } from './transform.js';

/** The block for a single-label target (made by {@link CategoryBlock}): labels become int64 indices into a sorted vocab. */
export interface CategoryBlock extends TransformBlock {
  readonly kind: 'category';
  /** The label encoder (its vocab is learnt from the training labels). */
  readonly categorize: Categorize;
  /** The class names in index order (after the datasets are built). */
  readonly vocab: readonly string[];
  collate(values: readonly unknown[]): Tensor;
  caption(batch: Tensor, i: number): string;
}

class CategoryBlockImpl implements CategoryBlock {
  readonly name = 'CategoryBlock';
  readonly kind = 'category';
  readonly categorize: Categorize;
  readonly typeTfms: readonly [Categorize];

  constructor(options: CategorizeOptions = {}) {
    this.categorize = new Categorize(options);
    this.typeTfms = [this.categorize];
  }

  /** The class names in index order (after the datasets are built). */
  get vocab(): readonly string[] {
    return this.categorize.vocab.map(String);
  }

  /** `{ type: 'CategoryBlock', options: { vocab } }`, the vocab as learnt: a rebuilt block needs no training labels. */
  spec(): TransformSpec {
    return { type: 'CategoryBlock', options: { vocab: [...this.categorize.vocab] } };
  }

  /** Class indices -> an int64 tensor [n]. */
  collate(values: readonly unknown[]): Tensor {
    return torch.tensor(BigInt64Array.from(values, (v) => BigInt(v as number)));
  }

  /** The label of item `i` of a batch of class indices. */
  caption(batch: Tensor, i: number): string {
    return String(this.categorize.decode(torch.tidy(() => batch.select(0, i).item())));
  }
}

/**
 * A single-label classification target (fastai's `CategoryBlock`).
 * @param options.vocab a fixed vocabulary; default: the sorted unique training labels
 */
export function CategoryBlock(options: CategorizeOptions = {}): CategoryBlock {
  return new CategoryBlockImpl(options);
}

registerSpec('CategoryBlock', (o) => CategoryBlock({ vocab: vocabFromJSON(o.vocab, 'CategoryBlock') }));
