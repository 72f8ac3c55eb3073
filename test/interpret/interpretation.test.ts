/**
 * ClassificationInterpretation on a tiny prediction set built by hand: 4 classes (one with no
 * items and no predictions), 10 items, known probabilities, every number checked against a
 * value worked out here from the definitions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClassificationInterpretation, torch } from '../../src/index.js';
import { formatFixed } from '../../src/interpret/classification-report.js';
import { assertClose } from '../helpers.js';

const vocab = ['cat', 'dog', 'fox', 'gnu'];
// [actual, predicted, probability of the predicted class]; fox items come first so that class
// order, not item order, has to decide the tie of mostConfused.
const items: [number, number, number][] = [
  [2, 2, 0.7], [2, 1, 0.6], [2, 1, 0.5],
  [0, 0, 0.9], [0, 0, 0.8], [0, 1, 0.55], [0, 1, 0.65],
  [1, 1, 0.75], [1, 1, 0.85], [1, 0, 0.6],
];
/** A probability row: `p` on the predicted class, the rest shared out, a little more on the actual one. */
function row([actual, predicted, p]: [number, number, number]): number[] {
  const r = new Array<number>(4).fill(0);
  r[predicted] = p;
  const rest = 1 - p;
  if (actual === predicted) {
    r.forEach((_, j) => (j !== predicted ? (r[j] = rest / 3) : 0));
  } else {
    r[actual] = (rest * 2) / 3;
    const others = [0, 1, 2, 3].filter((j) => j !== actual && j !== predicted);
    for (const j of others) r[j] = rest / 6;
  }
  return r;
}
const preds = items.map(row);
const targs = items.map(([a]) => a);
const decoded = items.map(([, p]) => p);

describe('ClassificationInterpretation on hand-built predictions', () => {
  const interp = new ClassificationInterpretation({ vocab, preds, targs });

  it('decodes with argmax and takes -log p[target] as the loss by default', () => {
    assert.deepEqual([...interp.decoded], decoded);
    assertClose(interp.losses, preds.map((r, i) => -Math.log(r[targs[i]!]!)), { atol: 1e-12 });
  });

  it('confusionMatrix: rows actual, columns predicted, in vocab order', () => {
    const cm = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
    for (const [a, p] of items) cm[a]![p]!++;
    assert.deepEqual(cm, [[2, 2, 0, 0], [1, 2, 0, 0], [0, 2, 1, 0], [0, 0, 0, 0]]); // the test's own counting
    assert.deepEqual(interp.confusionMatrix(), cm);
  });

  it('mostConfused: count descending, ties in class order (actual, then predicted)', () => {
    assert.deepEqual(interp.mostConfused(2), [['cat', 'dog', 2], ['fox', 'dog', 2]]);
    assert.deepEqual(interp.mostConfused(), [['cat', 'dog', 2], ['fox', 'dog', 2], ['dog', 'cat', 1]]);
    assert.deepEqual(interp.mostConfused(3), []);
  });

  it('topLosses: largest first (or smallest), with item indices, equal losses in item order', () => {
    const losses = interp.losses;
    const byLoss = [...losses.keys()].sort((a, b) => losses[b]! - losses[a]! || a - b);
    const top = interp.topLosses(3);
    assert.deepEqual(top.indices, byLoss.slice(0, 3));
    assert.deepEqual(top.losses, byLoss.slice(0, 3).map((i) => losses[i]!));
    assert.ok(top.losses[0]! >= top.losses[1]! && top.losses[1]! >= top.losses[2]!);
    // the wrong predictions have the largest losses: -log of the actual class's share
    assert.ok(top.indices.every((i) => targs[i] !== decoded[i]), `top items ${top.indices}`);
    const low = interp.topLosses(2, { largest: false });
    assert.deepEqual(low.indices, [...byLoss].reverse().slice(0, 2));
    assert.equal(interp.topLosses().indices.length, 10);
    const ties = new ClassificationInterpretation({ vocab: ['a', 'b'], preds: [[0.5, 0.5], [0.9, 0.1], [0.5, 0.5]], targs: [0, 0, 1] });
    assert.deepEqual(ties.topLosses().indices, [0, 2, 1]);
  });

  it('classificationReport: precision, recall, F1 and support by hand; zero division gives 0', () => {
    const r = interp.classificationReport();
    // cat: tp 2, predicted 3, actual 4; dog: tp 2, predicted 6, actual 3; fox: tp 1, predicted 1, actual 3; gnu: none
    const P = [2 / 3, 2 / 6, 1 / 1, 0];
    const R = [2 / 4, 2 / 3, 1 / 3, 0];
    const F = P.map((p, i) => (p + R[i]! ? (2 * p * R[i]!) / (p + R[i]!) : 0));
    const S = [4, 3, 3, 0];
    assert.deepEqual(r.classes.map((c) => c.label), vocab);
    assertClose(r.classes.map((c) => c.precision), P, { atol: 1e-12 });
    assertClose(r.classes.map((c) => c.recall), R, { atol: 1e-12 });
    assertClose(r.classes.map((c) => c.f1), F, { atol: 1e-12 });
    assert.deepEqual(r.classes.map((c) => c.support), S);
    assert.equal(r.accuracy, 5 / 10);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const wmean = (v: number[]) => v.reduce((a, b, i) => a + b * S[i]!, 0) / 10;
    assertClose([r.macroAvg.precision, r.macroAvg.recall, r.macroAvg.f1], [mean(P), mean(R), mean(F)], { atol: 1e-12 });
    assertClose([r.weightedAvg.precision, r.weightedAvg.recall, r.weightedAvg.f1], [wmean(P), wmean(R), wmean(F)], { atol: 1e-12 });
    assert.equal(r.macroAvg.support, 10);
    assert.equal(r.weightedAvg.support, 10);
  });

  it("printClassificationReport prints scikit-learn's table", (t) => {
    const printed: unknown[] = [];
    t.mock.method(console, 'log', (...args: unknown[]) => printed.push(...args));
    const text = interp.printClassificationReport();
    // scikit-learn is not installed here: written by hand from classification_report's format
    // strings ('{:>12s} ' + ' {:>9.2f}' x 3 + ' {:>9}', 12 = len('weighted avg')) and the
    // values above. Macro recall is (0.5 + 2/3 + 1/3 + 0) / 4 = 0.37499999999999994 in floating
    // point (numpy's mean gives the same), so it prints 0.37, not 0.38.
    const expected = [
      '              precision    recall  f1-score   support',
      '',
      '         cat       0.67      0.50      0.57         4',
      '         dog       0.33      0.67      0.44         3',
      '         fox       1.00      0.33      0.50         3',
      '         gnu       0.00      0.00      0.00         0',
      '',
      '    accuracy                           0.50        10',
      '   macro avg       0.50      0.37      0.38        10',
      'weighted avg       0.67      0.50      0.51        10',
      '',
    ].join('\n');
    assert.equal(text, expected);
    assert.deepEqual(printed, [expected]);
  });

  it('the report widens the name column for long class names', (t) => {
    t.mock.method(console, 'log', () => undefined);
    const long = new ClassificationInterpretation({ vocab: ['american_pit_bull_terrier', 'b'], preds: [[0.9, 0.1], [0.2, 0.8]], targs: [0, 1] });
    const lines = long.printClassificationReport().split('\n');
    assert.equal(lines[2], 'american_pit_bull_terrier       1.00      1.00      1.00         1');
    assert.equal(lines[0], `${' '.repeat(26)} precision    recall  f1-score   support`);
  });

  it("formatFixed rounds as Python's format(x, '.2f'): exact value, ties to even", () => {
    assert.equal(formatFixed(0.125, 2), '0.12'); // an exact tie: JavaScript's toFixed gives 0.13
    assert.equal(formatFixed(0.375, 2), '0.38');
    assert.equal(formatFixed(0.625, 2), '0.62');
    assert.equal(formatFixed(1.005, 2), '1.00'); // 1.00499999999999989...
    assert.equal(formatFixed(0.005, 2), '0.01'); // 0.00500000000000000010...
    assert.equal(formatFixed(2.5, 0), '2');
    assert.equal(formatFixed(2 / 3, 2), '0.67');
    assert.equal(formatFixed(12.3456, 3), '12.346');
    assert.equal(formatFixed(-0.125, 2), '-0.12');
    assert.equal(formatFixed(0, 2), '0.00');
  });

  it('takes tensors (copied: the caller still owns them) and given losses and decoded classes', () => {
    const p = torch.tensor(Float32Array.from(preds.flat()), [10, 4]);
    const y = torch.tensor(BigInt64Array.from(targs.map(BigInt)), [10]);
    const l = torch.tensor(Float32Array.from(targs.map((_, i) => i)), [10]);
    const d = torch.tensor(BigInt64Array.from(targs.map(BigInt)), [10]); // "perfect" decoded classes
    const live = torch.memory().liveTensors;
    const fromT = new ClassificationInterpretation({ vocab, preds: p, targs: y, losses: l, decoded: d });
    assert.equal(torch.memory().liveTensors, live, 'nothing native kept');
    assert.deepEqual(fromT.confusionMatrix(), [[4, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0]]);
    assert.deepEqual(fromT.topLosses(3).indices, [9, 8, 7]);
    assertClose(fromT.preds.flat(), Float32Array.from(preds.flat()));
    assert.equal(p.isDisposed, false);
    torch.dispose([p, y, l, d]);
  });
});

describe('ClassificationInterpretation: argument errors name the argument, the value and the fix', () => {
  const ok = { vocab: ['a', 'b'], preds: [[0.9, 0.1], [0.2, 0.8]], targs: [0, 1] };
  const make = (over: object) => () => new ClassificationInterpretation({ ...ok, ...over } as never);
  it('vocab, preds, targs, losses, decoded', () => {
    assert.throws(make({ vocab: [] }), /vocab must be a non-empty array of class names \(e\.g\. dls\.vocab\), got \[\]/);
    assert.throws(make({ preds: 'x' }), /preds must be a Tensor or an array of rows \(number\[\]\[\]\), got the string 'x'/);
    assert.throws(make({ preds: [] }), /preds has no rows/);
    assert.throws(make({ preds: [[0.9, 0.1], [1]] }), /preds row 1 has 1 values but the vocab has 2 classes; give one probability per class/);
    assert.throws(make({ preds: [[0.9, NaN], [0.2, 0.8]] }), /preds\[0\]\[1\] must be a finite number, got NaN/);
    assert.throws(make({ preds: [[3, -1], [0.2, 0.8]] }), /preds\[0\]\[0\] is 3, not a probability.*softmax the outputs\) or give losses/);
    assert.doesNotThrow(make({ preds: [[3, -1], [0.2, 0.8]], losses: [1, 2] }));
    assert.throws(make({ targs: [0] }), /targs has 1 values but preds has 2 rows; give one per item/);
    assert.throws(make({ targs: [0, 2] }), /targs\[1\] must be a class index, an integer in \[0, 1\] \(the vocab has 2 classes\), got 2/);
    assert.throws(make({ targs: [0, 0.5] }), /targs\[1\] must be a class index.*got 0\.5/);
    assert.throws(make({ losses: [1] }), /losses has 1 values but preds has 2 rows/);
    assert.throws(make({ losses: [1, NaN] }), /losses\[1\] must be a number, got NaN/);
    assert.throws(make({ decoded: [0, -1] }), /decoded\[1\] must be a class index.*got -1/);
    const t3 = torch.zeros([2, 2, 1]);
    assert.throws(make({ preds: t3 }), /preds must be an N x C tensor .*got shape \[2, 2, 1\]/);
    const y3 = torch.zeros([3]);
    assert.throws(make({ targs: y3 }), /targs must hold one value per item \(2, as preds has rows\), got a tensor of shape \[3\]/);
    torch.dispose([t3, y3]);
  });

  it('method arguments', async () => {
    const interp = new ClassificationInterpretation(ok);
    assert.throws(() => interp.topLosses(3), /topLosses: k must be an integer in \[0, 2\] \(there are 2 items\), got 3/);
    assert.throws(() => interp.topLosses(1.5), /got 1\.5/);
    assert.throws(() => interp.mostConfused(NaN), /minVal must be a number/);
    assert.throws(() => interp.printClassificationReport(-1), /digits must be an integer in \[0, 20\], got -1/);
    await assert.rejects(interp.plotTopLosses(1), /no items to draw for predictions given directly; make it with ClassificationInterpretation\.fromLearner/);
  });
});
