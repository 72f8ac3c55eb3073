/**
 * ClassificationInterpretation (fastai's): what a classifier got wrong over a labelled loader,
 * as a confusion matrix, the most confused pairs, the items with the largest losses and
 * scikit-learn's classification report. Inference runs once, when it is made; everything after
 * reads plain arrays.
 * @module
 */
import type { DataLoader } from '../data/index.js';
import { describeArg } from '../data/validate.js';
import type { Learner } from '../learner/index.js';
import { type Caption, type GridCell, heatmap, imageGrid, saveFigure } from '../plot/index.js';
import { type Tensor, Tensor as TensorClass, torch } from '../torch/index.js';
import { type ClassificationReport, formatFixed, formatReport, reportFromMatrix } from './classification-report.js';
import { itemImages } from './item-images.js';

const WHO = 'ClassificationInterpretation';

/** Predictions made elsewhere, for `new ClassificationInterpretation(...)`. Tensors are copied, not kept (the caller still owns them). */
export interface InterpretationData {
  /** The class names, in index order (e.g. `dls.vocab`). */
  vocab: readonly string[];
  /** N x C probabilities (rows of a softmax), one row per item. */
  preds: Tensor | readonly (readonly number[])[];
  /** The N actual class indices. */
  targs: Tensor | readonly number[];
  /** The N per-item losses. Default: the cross-entropy of the probabilities, `-log(preds[i][targs[i]])`. */
  losses?: Tensor | readonly number[];
  /** The N predicted class indices. Default: each row's argmax (the first of equal maxima). */
  decoded?: Tensor | readonly number[];
}

/** Options for {@link ClassificationInterpretation.fromLearner}. */
export interface FromLearnerOptions {
  /** A labelled loader to interpret. Default `learn.dls.valid`; e.g. `await learn.dls.testDl(items, { withLabels: true })`. */
  dl?: DataLoader<Tensor[]>;
}

/** Options for {@link ClassificationInterpretation.topLosses}. */
export interface TopLossesOptions {
  /** The largest losses first (true) or the smallest (false). Default true. */
  largest?: boolean;
}

/** What {@link ClassificationInterpretation.topLosses} returns (fastai's `(values, indices)`). */
export interface TopLosses {
  /** The losses, largest first (smallest first with `largest: false`). */
  losses: number[];
  /** Each one's item: its position in the loader's items (`dl.items`), or its row for predictions given directly. */
  indices: number[];
}

/** Options for {@link ClassificationInterpretation.plotConfusionMatrix}. */
export interface PlotConfusionMatrixOptions {
  /** Also write the image here (PNG unless it ends in `.svg`; folders are created). Default: only return it. */
  file?: string;
  /** Divide each row by its sum (the fraction of each actual class predicted as each class), cells with 2 decimals. Default false (counts). */
  normalize?: boolean;
  /** Default 'Confusion matrix'. */
  title?: string;
  /** Side of a cell in CSS px. Default: the plot module's, from the number of classes. */
  cellSize?: number;
}

/** Options for {@link ClassificationInterpretation.plotTopLosses}. */
export interface PlotTopLossesOptions {
  /** Also write the image here (PNG unless it ends in `.svg`; folders are created). Default: only return it. */
  file?: string;
  /** Images per row. Default 3. */
  ncols?: number;
  /** The longer side of each image in CSS px. Default 192. */
  cellSize?: number;
  /** The largest losses (true) or the smallest (false). Default true. */
  largest?: boolean;
}

/** Copies a tensor's values to numbers (on the CPU, as float64: exact for class indices). */
function tensorNumbers(t: Tensor): number[] {
  return Array.from(torch.tidy(() => t.cpu().double().contiguous().toTypedArray() as Float64Array));
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof TensorClass;
}

/** N x C rows from a Tensor or nested arrays, checked. */
function readPreds(preds: unknown, c: number): number[][] {
  let rows: number[][];
  if (isTensor(preds)) {
    if (preds.ndim !== 2) throw new RangeError(`${WHO}: preds must be an N x C tensor (one row of probabilities per item), got shape [${preds.shape.join(', ')}]`);
    const [n, cols] = preds.shape as [number, number];
    const flat = tensorNumbers(preds);
    rows = Array.from({ length: n }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
  } else if (Array.isArray(preds) && preds.every((r) => Array.isArray(r))) {
    rows = (preds as number[][]).map((r) => [...r]);
  } else {
    throw new TypeError(`${WHO}: preds must be a Tensor or an array of rows (number[][]), got ${describeArg(preds)}`);
  }
  if (rows.length === 0) throw new RangeError(`${WHO}: preds has no rows; give one row of probabilities per item`);
  rows.forEach((r, i) => {
    if (r.length !== c) throw new RangeError(`${WHO}: preds row ${i} has ${r.length} values but the vocab has ${c} classes; give one probability per class, in vocab order`);
    const bad = r.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${WHO}: preds[${i}][${bad}] must be a finite number, got ${describeArg(r[bad])}`);
  });
  return rows;
}

/** N numbers from a Tensor or an array, checked: `classes` when they must be class indices. */
function readVector(name: string, v: unknown, n: number, classes?: number): number[] {
  let out: number[];
  if (isTensor(v)) {
    if (v.numel() !== n || (v.ndim !== 1 && !(v.ndim === 2 && v.shape[1] === 1))) {
      throw new RangeError(`${WHO}: ${name} must hold one value per item (${n}, as preds has rows), got a tensor of shape [${v.shape.join(', ')}]`);
    }
    out = tensorNumbers(v);
  } else if (Array.isArray(v)) {
    out = [...(v as number[])];
  } else {
    throw new TypeError(`${WHO}: ${name} must be a Tensor or a number[], got ${describeArg(v)}`);
  }
  if (out.length !== n) throw new RangeError(`${WHO}: ${name} has ${out.length} values but preds has ${n} rows; give one per item`);
  out.forEach((x, i) => {
    if (classes !== undefined && (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= classes)) {
      throw new RangeError(`${WHO}: ${name}[${i}] must be a class index, an integer in [0, ${classes - 1}] (the vocab has ${classes} classes), got ${describeArg(x)}`);
    }
    if (classes === undefined && (typeof x !== 'number' || Number.isNaN(x))) throw new RangeError(`${WHO}: ${name}[${i}] must be a number, got ${describeArg(x)}`);
  });
  return out;
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  return best;
}

/**
 * Reads a trained classifier's results: `fromLearner` runs inference over a labelled loader
 * once; the constructor takes predictions made elsewhere. Holds plain arrays, so there is
 * nothing to dispose.
 */
export class ClassificationInterpretation {
  /** The class names, in index order. */
  readonly vocab: readonly string[];
  /** N x C probabilities. */
  readonly preds: readonly (readonly number[])[];
  /** The actual class of each item. */
  readonly targs: readonly number[];
  /** The predicted class of each item. */
  readonly decoded: readonly number[];
  /** The loss of each item. */
  readonly losses: readonly number[];
  #dl: DataLoader<Tensor[]> | null = null;
  #itemIndices: readonly number[];
  #epoch = 0;

  /**
   * Interprets predictions made elsewhere. `losses` default to the cross-entropy of the
   * probabilities, `decoded` to each row's argmax. Tensors are copied (the caller still owns them).
   */
  constructor(data: InterpretationData) {
    if (typeof data !== 'object' || data === null) throw new TypeError(`${WHO}: give { vocab, preds, targs, losses?, decoded? }, got ${describeArg(data)}`);
    const { vocab } = data;
    if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((v) => typeof v === 'string')) {
      throw new TypeError(`${WHO}: vocab must be a non-empty array of class names (e.g. dls.vocab), got ${describeArg(vocab)}`);
    }
    const c = vocab.length;
    this.vocab = Object.freeze([...vocab]);
    this.preds = readPreds(data.preds, c);
    const n = this.preds.length;
    this.targs = readVector('targs', data.targs, n, c);
    this.decoded = data.decoded === undefined ? this.preds.map(argmax) : readVector('decoded', data.decoded, n, c);
    if (data.losses !== undefined) {
      this.losses = readVector('losses', data.losses, n);
    } else {
      this.preds.forEach((r, i) => {
        const bad = r.findIndex((p) => p < 0 || p > 1);
        if (bad >= 0) {
          throw new RangeError(
            `${WHO}: preds[${i}][${bad}] is ${r[bad]}, not a probability, so the default losses (-log p) cannot be computed; ` +
              'pass probabilities (softmax the outputs) or give losses',
          );
        }
      });
      this.losses = this.preds.map((r, i) => -Math.log(r[this.targs[i]!]!));
    }
    this.#itemIndices = Array.from({ length: n }, (_, i) => i);
  }

  /** The loader the predictions came from (`fromLearner`), or null. */
  get dl(): DataLoader<Tensor[]> | null {
    return this.#dl;
  }

  /** Each row's position in the loader's items (for predictions given directly: 0..N-1). */
  get itemIndices(): readonly number[] {
    return this.#itemIndices;
  }

  /**
   * Runs `learn`'s model over a labelled loader **once** (`learn.getPreds` with losses and
   * decoded predictions) and keeps the results as arrays; every method after reads those
   * (fastai re-runs inference for each). The vocab comes from the loader's target block.
   * @param options.dl the loader; default `learn.dls.valid`
   * @example
   * const interp = await ClassificationInterpretation.fromLearner(learn);
   * await interp.plotConfusionMatrix({ file: 'cm.png' });
   * interp.mostConfused(5); // [['staffordshire_bull_terrier', 'american_pit_bull_terrier', 3], ...]
   */
  static async fromLearner(learn: Learner, options: FromLearnerOptions = {}): Promise<ClassificationInterpretation> {
    const dl = options.dl ?? (learn.dls.valid as DataLoader<Tensor[]>);
    const where = options.dl ? 'the given loader' : 'learn.dls.valid';
    const blocks = dl.pipeline.blocks;
    const vocab = blocks.slice(1).find((b) => b.vocab !== undefined)?.vocab;
    if (blocks.length < 2 || !vocab) {
      throw new Error(
        `${WHO}.fromLearner: ${where} has no labels with a vocab (its blocks: ${blocks.map((b) => b.name).join(', ')}); ` +
          'interpret a loader with a CategoryBlock target, e.g. learn.dls.valid or await learn.dls.testDl(items, { withLabels: true })',
      );
    }
    const epoch = dl.epoch;
    const res = await learn.getPreds({ dl, withLoss: true, withDecoded: true });
    try {
      if (!res.targs) throw new Error(`${WHO}.fromLearner: ${where} gave no targets; use a labelled loader (testDl(items, { withLabels: true }))`);
      if (res.decoded && res.decoded.ndim > 1) {
        throw new Error(`${WHO}.fromLearner: the loss decodes to shape [${res.decoded.shape.join(', ')}] (multi-label?); only single-label classification is interpreted`);
      }
      const interp = new ClassificationInterpretation({ vocab, preds: res.preds, targs: res.targs, losses: res.losses, decoded: res.decoded });
      interp.#dl = dl;
      // The rows come in the order the loader served them (skipped unreadable items left out).
      interp.#itemIndices = dl.order(epoch).slice(0, interp.preds.length);
      interp.#epoch = epoch;
      return interp;
    } finally {
      torch.dispose([res.preds, res.targs, res.decoded, res.losses, res.inputs]);
    }
  }

  /** Counts of (actual, predicted) pairs: row i is actual class i, column j predicted class j, in vocab order. */
  confusionMatrix(): number[][] {
    const c = this.vocab.length;
    const cm = Array.from({ length: c }, () => new Array<number>(c).fill(0));
    this.targs.forEach((t, i) => cm[t]![this.decoded[i]!]!++);
    return cm;
  }

  /**
   * The off-diagonal cells of the confusion matrix with at least `minVal` items, as
   * `[actual, predicted, count]`, the largest count first, then in class order (actual, then
   * predicted, which is fastai's order for ties). Cells with no items are never listed (fastai
   * lists them for `minVal` 0).
   * @param minVal the smallest count listed; default 1
   */
  mostConfused(minVal = 1): [actual: string, predicted: string, count: number][] {
    if (typeof minVal !== 'number' || Number.isNaN(minVal)) throw new TypeError(`${WHO}.mostConfused: minVal must be a number (the smallest count listed), got ${describeArg(minVal)}`);
    const cm = this.confusionMatrix();
    const cells: [number, number, number][] = [];
    cm.forEach((row, i) => row.forEach((n, j) => {
      if (i !== j && n > 0 && n >= minVal) cells.push([i, j, n]);
    }));
    cells.sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]);
    return cells.map(([i, j, n]) => [this.vocab[i]!, this.vocab[j]!, n]);
  }

  /**
   * The `k` largest losses (or smallest, with `largest: false`) and their items, as fastai's
   * `top_losses` (equal losses keep item order).
   * @param k how many; default all items
   */
  topLosses(k: number = this.losses.length, options: TopLossesOptions = {}): TopLosses {
    const n = this.losses.length;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`${WHO}.topLosses: k must be an integer in [0, ${n}] (there are ${n} items), got ${describeArg(k)}`);
    }
    const largest = options.largest ?? true;
    const rows = Array.from({ length: n }, (_, i) => i);
    rows.sort((a, b) => (largest ? this.losses[b]! - this.losses[a]! : this.losses[a]! - this.losses[b]!) || a - b);
    const top = rows.slice(0, k);
    return { losses: top.map((r) => this.losses[r]!), indices: top.map((r) => this.#itemIndices[r]!) };
  }

  /** Per-class precision, recall, F1 and support, accuracy, and the macro and weighted averages (scikit-learn's numbers; 0 where a ratio is undefined). */
  classificationReport(): ClassificationReport {
    return reportFromMatrix(this.confusionMatrix(), this.vocab);
  }

  /**
   * Prints the classification report as scikit-learn's `classification_report` does (every
   * vocab class, scores with `digits` decimals) and returns the text.
   * @param digits default 2
   */
  printClassificationReport(digits = 2): string {
    if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new RangeError(`${WHO}.printClassificationReport: digits must be an integer in [0, 20], got ${describeArg(digits)}`);
    const text = formatReport(this.classificationReport(), digits);
    console.log(text);
    return text;
  }

  /**
   * Draws the confusion matrix as a heatmap (rows 'Actual', columns 'Predicted', counts in the
   * cells, rotated column labels, a colour scale). Returns the image's bytes.
   */
  async plotConfusionMatrix(options: PlotConfusionMatrixOptions = {}): Promise<Buffer> {
    const { file, normalize = false, title = 'Confusion matrix', cellSize } = options;
    const cm = this.confusionMatrix();
    const values = normalize
      ? cm.map((row) => {
        const sum = row.reduce((a, b) => a + b, 0);
        return row.map((v) => (sum ? v / sum : 0)); // a class with no items: a row of zeros, not NaN
      })
      : cm;
    const text = values.map((row) => row.map((v) => (normalize ? formatFixed(v, 2) : String(v))));
    const fig = heatmap({
      values, rowLabels: this.vocab, colLabels: this.vocab, text, title, xLabel: 'Predicted', yLabel: 'Actual',
      ...(cellSize === undefined ? {} : { cellSize }),
    });
    return saveFigure(fig, file);
  }

  /**
   * Draws the `k` items with the largest losses (default 9), each titled
   * `predicted/actual / loss / probability` as fastai (the probability is the predicted
   * class's), on two lines: `predicted/actual`, then `loss / probability`. The images are loaded again through the loader's pipeline; needs `fromLearner`.
   */
  async plotTopLosses(k = 9, options: PlotTopLossesOptions = {}): Promise<Buffer> {
    const { file, ncols = 3, cellSize = 192, largest = true } = options;
    if (!this.#dl) throw new Error(`${WHO}.plotTopLosses: there are no items to draw for predictions given directly; make it with ClassificationInterpretation.fromLearner(learn, { dl })`);
    const n = this.losses.length;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`${WHO}.plotTopLosses: k must be an integer in [1, ${n}] (there are ${n} items), got ${describeArg(k)}`);
    const { indices } = this.topLosses(k, { largest });
    const rowOf = new Map(this.#itemIndices.map((item, r) => [item, r]));
    const images = await itemImages(this.#dl, indices, this.#epoch, `${WHO}.plotTopLosses`);
    const cells: GridCell[] = indices.map((item, i) => {
      const r = rowOf.get(item)!;
      const pred = this.decoded[r]!;
      // fastai's one title line, split in two so the numbers are not cut off at long breed names
      const caption: Caption[] = [
        { text: `${this.vocab[pred]}/${this.vocab[this.targs[r]!]}` },
        { text: `${formatFixed(this.losses[r]!, 2)} / ${formatFixed(this.preds[r]![pred]!, 2)}` },
      ];
      return { image: images[i]!, caption };
    });
    return saveFigure(imageGrid(cells, { ncols, cellSize, title: 'Prediction/Actual/Loss/Probability' }), file);
  }
}
