/**
 * Categorize: labels <-> indices into a sorted vocabulary, learned from the training labels.
 * @module
 */
import { registerSpec, type TransformSpec } from './spec.js';
import type { TypeTransform } from './transform.js';

/** A label: text, or a number (numbers sort numerically). */
export type Label = string | number;

function sortLabels(labels: Iterable<Label>): Label[] {
  const unique = [...new Set(labels)];
  if (unique.every((l) => typeof l === 'number')) return (unique as number[]).sort((a, b) => a - b);
  // Code-point order, as Python's sorted(): 'Abyssinian' < 'american_bulldog'.
  return unique.map(String).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Options for {@link Categorize}. */
export interface CategorizeOptions {
  /** A fixed vocabulary (kept in this order). Default: the sorted unique training labels. */
  vocab?: readonly Label[];
}

/**
 * Encodes a label as its index in the vocabulary and decodes back. `setup` builds the vocab
 * from the training labels (sorted unique); a label that is not in it (e.g. seen only in
 * validation) is an error naming it.
 */
export class Categorize implements TypeTransform {
  readonly name = 'Categorize';
  /** The labels in index order (empty until setup). */
  vocab: Label[] = [];
  private index = new Map<string, number>();

  constructor(options: CategorizeOptions = {}) {
    if (options.vocab) this.setVocab([...options.vocab]);
  }

  private fixed = false;

  private setVocab(vocab: Label[]): void {
    this.vocab = vocab;
    this.index = new Map(vocab.map((l, i) => [String(l), i]));
    this.fixed = true;
  }

  /** Builds the vocab from the training labels, unless one was given. */
  setup(trainValues: readonly unknown[]): void {
    if (this.fixed) return;
    for (const v of trainValues) {
      if (Array.isArray(v)) {
        throw new TypeError(
          `Categorize: got several labels for one item (${JSON.stringify(v)}); single-label classification needs one label per item (multi-label is not supported yet)`,
        );
      }
    }
    this.setVocab(sortLabels(trainValues as Label[]));
  }

  /** The index of `label`. Throws for a label the training set did not contain. */
  apply(label: unknown): number {
    const i = this.index.get(String(label));
    if (i === undefined) {
      if (this.vocab.length === 0) throw new Error('Categorize: no vocabulary yet; it is built from the training labels when the datasets are created');
      throw new Error(
        `Label '${String(label)}' was not included in the training dataset (its vocab has ${this.vocab.length} labels). ` +
          'Every label needs training examples: change the split (e.g. another seed or validPct), or remove these items',
      );
    }
    return i;
  }

  /** `{ type: 'Categorize', options: { vocab } }`: the vocab as learnt (labels keep their type). */
  spec(): TransformSpec {
    return { type: 'Categorize', options: { vocab: [...this.vocab] } };
  }

  /** The label at index `i`. */
  decode(i: unknown): Label {
    const label = this.vocab[Number(i)];
    if (label === undefined) throw new RangeError(`Categorize: index ${String(i)} is outside the vocab of ${this.vocab.length} labels`);
    return label;
  }
}

/** Checks a stored vocab: an array of strings or numbers. */
export function vocabFromJSON(v: unknown, who: string): Label[] {
  if (!Array.isArray(v) || !v.every((l) => typeof l === 'string' || typeof l === 'number')) {
    throw new TypeError(`${who}: vocab must be an array of labels (strings or numbers), got ${JSON.stringify(v)}`);
  }
  return v as Label[];
}

registerSpec('Categorize', (o) => new Categorize({ vocab: vocabFromJSON(o.vocab, 'Categorize') }));
