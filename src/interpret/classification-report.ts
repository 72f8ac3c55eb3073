/**
 * The numbers of scikit-learn's `classification_report` (per-class precision, recall, F1 and
 * support, accuracy, macro and weighted averages) from a confusion matrix, and its text table.
 * @module
 */

/** Precision, recall, F1 and support of one class or one average. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Items whose actual class this is (for an average: all items). */
  support: number;
}

/** What {@link ClassificationInterpretation.classificationReport} returns. */
export interface ClassificationReport {
  /** One row per class, in vocab order. */
  classes: (ClassScores & { label: string })[];
  /** Fraction of items predicted right (sklearn's micro-averaged F1 for single-label data). */
  accuracy: number;
  /** The unweighted mean of the classes' scores (classes with no items count, as zeros). */
  macroAvg: ClassScores;
  /** The mean of the classes' scores weighted by their support. */
  weightedAvg: ClassScores;
}

// sklearn's zero_division='warn' (its default): an undefined ratio counts as 0.
const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/**
 * The report of a square confusion matrix (rows actual, columns predicted, `labels` order).
 * Every class is reported, with or without items, as fastai passes its whole vocab to sklearn.
 */
export function reportFromMatrix(cm: readonly (readonly number[])[], labels: readonly string[]): ClassificationReport {
  const support = cm.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = labels.map((_, j) => cm.reduce((a, row) => a + row[j]!, 0));
  const total = support.reduce((a, b) => a + b, 0);
  const classes = labels.map((label, i) => {
    const tp = cm[i]![i]!;
    const fp = predicted[i]! - tp;
    const fn = support[i]! - tp;
    // F1 as sklearn >= 1.3 computes it: 2tp / (2tp + fp + fn), 0 when nothing was predicted or there.
    return { label, precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn), support: support[i]! };
  });
  const avg = (weight: (i: number) => number): ClassScores => {
    const w = classes.map((_, i) => weight(i));
    const sum = w.reduce((a, b) => a + b, 0);
    const mean = (k: 'precision' | 'recall' | 'f1') => ratio(classes.reduce((a, s, i) => a + s[k] * w[i]!, 0), sum);
    return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total };
  };
  const correct = labels.reduce((a, _, i) => a + cm[i]![i]!, 0);
  return { classes, accuracy: ratio(correct, total), macroAvg: avg(() => 1), weightedAvg: avg((i) => support[i]!) };
}

/**
 * `x` with `digits` decimals as Python's `format(x, '.2f')` writes it: correctly rounded from
 * the double's exact value, ties to even (JavaScript's `toFixed` rounds ties up: 0.125 -> 0.13
 * where Python prints 0.12).
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const neg = x < 0 || Object.is(x, -0);
  // x = mantissa * 2^exp exactly; then round(|x| * 10^digits) in integers.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const rawExp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mantissa = rawExp === 0 ? frac : frac | (1n << 52n);
  const exp = (rawExp === 0 ? 1 : rawExp) - 1075;
  let scaled = mantissa * 10n ** BigInt(digits);
  if (exp >= 0) {
    scaled <<= BigInt(exp);
  } else {
    const den = 1n << BigInt(-exp);
    const q = scaled / den;
    const twice = 2n * (scaled % den);
    scaled = twice > den || (twice === den && q % 2n === 1n) ? q + 1n : q;
  }
  const s = scaled.toString().padStart(digits + 1, '0');
  const int = s.slice(0, s.length - digits);
  const out = digits > 0 ? `${int}.${s.slice(s.length - digits)}` : int;
  return neg ? `-${out}` : out;
}

/**
 * The report as scikit-learn's `classification_report` prints it: names right-aligned to the
 * longest of them and 'weighted avg', then four columns 9 wide (precision, recall, f1-score,
 * support), a blank line, and the accuracy, macro avg and weighted avg rows. Ends in a newline.
 * @param digits decimals of the scores; default 2 (sklearn's)
 */
export function formatReport(report: ClassificationReport, digits = 2): string {
  const width = Math.max(...report.classes.map((c) => c.label.length), 'weighted avg'.length, digits);
  const name = (s: string) => s.padStart(width);
  const col = (s: string) => ` ${s.padStart(9)}`;
  const row = (label: string, s: ClassScores) =>
    `${name(label)} ${col(formatFixed(s.precision, digits))}${col(formatFixed(s.recall, digits))}${col(formatFixed(s.f1, digits))}${col(String(s.support))}\n`;
  let out = `${name('')} ${['precision', 'recall', 'f1-score', 'support'].map(col).join('')}\n\n`;
  for (const c of report.classes) out += row(c.label, c);
  out += '\n';
  const total = report.macroAvg.support;
  out += `${name('accuracy')} ${col('')}${col('')}${col(formatFixed(report.accuracy, digits))}${col(String(total))}\n`;
  out += row('macro avg', report.macroAvg);
  out += row('weighted avg', report.weightedAvg);
  return out;
}
