import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, type Tensor, torch } from '../../src/index.js';
import {
  BCEWithLogitsLossFlat, CrossEntropyLossFlat, LabelSmoothingCrossEntropy, toLossFunction,
} from '../../src/learner/losses.js';
import { assertClose } from '../helpers.js';

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>, Number);

/** -log softmax(row)[k], in doubles. */
function nll(row: number[], k: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - row[k]!;
}

describe('CrossEntropyLossFlat', () => {
  torch.manualSeed(1);
  const x = torch.randn([6, 4], { dtype: 'float64' });
  const y = torch.tensor([0, 3, 1, 1, 2, 0]);
  const rows = x.toArray() as number[][];
  const ys = y.toArray() as number[];
  const perItem = rows.map((r, i) => nll(r, ys[i]!));

  it('is the mean of -log softmax at the target, one value per item with reduction none', () => {
    const loss = CrossEntropyLossFlat();
    assertClose(loss.call(x, y).item(), perItem.reduce((s, v) => s + v, 0) / 6, { rtol: 1e-12 });
    const none = loss.call(x, y, { reduction: 'none' });
    assert.deepEqual(none.shape, [6]);
    assertClose(arr(none), perItem, { rtol: 1e-12 });
    assertClose(CrossEntropyLossFlat({ reduction: 'sum' }).call(x, y).item(), perItem.reduce((s, v) => s + v, 0), { rtol: 1e-12 });
  });

  it('applies class weights as a weighted mean', () => {
    const w = [1, 2, 0.5, 3];
    const loss = CrossEntropyLossFlat({ weight: torch.tensor(w, { dtype: 'float32' }) }); // cast to the prediction's dtype
    const num = perItem.reduce((s, v, i) => s + v * w[ys[i]!]!, 0);
    const den = ys.reduce((s, k) => s + w[k]!, 0);
    assertClose(loss.call(x, y).item(), num / den, { rtol: 1e-7 });
  });

  it('moves class axis 1 of an (N, C, H, W) prediction last and flattens it against (N, H, W) targets', () => {
    torch.manualSeed(2);
    const p = torch.randn([2, 3, 2, 4], { dtype: 'float64' });
    const t = torch.randint(0, 3, [2, 2, 4]);
    const pa = p.toArray() as number[][][][];
    const ta = t.toArray() as number[][][];
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) {
      for (let h = 0; h < 2; h++) {
        for (let w = 0; w < 4; w++) expected.push(nll([0, 1, 2].map((c) => pa[n]![c]![h]![w]!), ta[n]![h]![w]!));
      }
    }
    const loss = CrossEntropyLossFlat({ axis: 1 });
    const none = loss.call(p, t, { reduction: 'none' });
    assert.deepEqual(none.shape, [16]);
    assertClose(arr(none), expected, { rtol: 1e-12 }); // in (n, h, w) order
    assertClose(loss.call(p, t).item(), expected.reduce((s, v) => s + v, 0) / 16, { rtol: 1e-12 });
    // Unflattened, the same loss keeps the spatial shape.
    assert.deepEqual(CrossEntropyLossFlat({ axis: 1, flatten: false }).call(p, t, { reduction: 'none' }).shape, [2, 2, 4]);
    // activation and decodes work over the class axis.
    const probs = loss.activation(p);
    assertClose(arr(probs.sum(1)), new Array(16).fill(1), { rtol: 1e-12 });
    assert.deepEqual(loss.decodes(p).shape, [2, 2, 4]);
    assert.deepEqual(loss.decodes(p).toArray(), p.argmax(1).toArray());
  });

  it('with labelSmoothing equals (1-eps)*CE + eps*mean over classes of -log p', () => {
    const eps = 0.2;
    const smooth = rows.map((r) => [0, 1, 2, 3].reduce((s, k) => s + nll(r, k), 0) / 4);
    const expected = perItem.map((v, i) => (1 - eps) * v + eps * smooth[i]!);
    assertClose(arr(CrossEntropyLossFlat({ labelSmoothing: eps }).call(x, y, { reduction: 'none' })), expected, { rtol: 1e-12 });
  });

  it('softmax activation rows sum to 1 and decodes argmax', () => {
    const loss = CrossEntropyLossFlat();
    assertClose(arr(loss.activation(x).sum(1)), new Array(6).fill(1), { rtol: 1e-12 });
    assert.deepEqual(loss.decodes(x).toArray(), rows.map((r) => r.indexOf(Math.max(...r))));
  });

  it('takes int32 targets (as fastai, cast to int64)', () => {
    assertClose(CrossEntropyLossFlat().call(x, y.int()).item(), CrossEntropyLossFlat().call(x, y).item(), { rtol: 1e-15 });
  });

  it('names the shapes when predictions and targets do not pair up', () => {
    assert.throws(() => CrossEntropyLossFlat().call(x, torch.tensor([0, 1])), /6 predictions \(shape \[6, 4\].*2 targets/);
    assert.throws(() => CrossEntropyLossFlat({ axis: 3 }).call(x, y), /axis 3 is out of range/);
    assert.throws(() => CrossEntropyLossFlat({ labelSmoothing: 2 }), /labelSmoothing must be in \[0, 1\], not 2/);
  });

  it('frees its intermediates: only the result outlives a call', () => {
    const before = torch.memory().liveTensors;
    const p = torch.randn([2, 3, 2, 2]);
    const t = torch.randint(0, 3, [2, 2, 2]);
    const l = CrossEntropyLossFlat({ axis: 1, weight: torch.ones([3]) }).call(p, t);
    assert.equal(torch.memory().liveTensors, before + 4); // p, t, the weight, l
    torch.dispose([p, t, l]);
  });
});

describe('LabelSmoothingCrossEntropy', () => {
  torch.manualSeed(3);
  const x = torch.randn([5, 3], { dtype: 'float64' });
  const y = torch.tensor([2, 0, 1, 2, 2]);

  it("equals cross-entropy with labelSmoothing eps without weights (every reduction)", () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const a = LabelSmoothingCrossEntropy({ eps: 0.1, reduction }).call(x, y);
      const b = F.crossEntropy(x, y, { labelSmoothing: 0.1, reduction });
      assertClose(arr(a), arr(b), { rtol: 1e-12, message: reduction });
    }
  });

  it("follows fastai's formula with weights: -sum(logp)*eps/c + (1-eps)*nll(weighted)", () => {
    const w = [0.5, 1, 2];
    const rows = x.toArray() as number[][];
    const ys = y.toArray() as number[];
    const eps = 0.3;
    const smooth = rows.map((r) => [0, 1, 2].reduce((s, k) => s + nll(r, k), 0)).reduce((s, v) => s + v, 0) / 5;
    const wn = rows.reduce((s, r, i) => s + w[ys[i]!]! * nll(r, ys[i]!), 0) / ys.reduce((s, k) => s + w[k]!, 0);
    const loss = LabelSmoothingCrossEntropy({ eps, weight: torch.tensor(w, { dtype: 'float64' }) });
    assertClose(loss.call(x, y).item(), (smooth * eps) / 3 + (1 - eps) * wn, { rtol: 1e-12 });
    assert.equal(loss.call(x, y, { reduction: 'none' }).shape[0], 5);
  });

  it('has softmax activation and argmax decodes', () => {
    const loss = LabelSmoothingCrossEntropy();
    assert.equal(loss.eps, 0.1);
    assertClose(arr(loss.activation(x).sum(-1)), [1, 1, 1, 1, 1], { rtol: 1e-12 });
    assert.deepEqual(loss.decodes(x).toArray(), x.argmax(-1).toArray());
  });
});

describe('BCEWithLogitsLossFlat', () => {
  const s = (v: number) => 1 / (1 + Math.exp(-v));
  const bce = (x: number, t: number, pw = 1) => -(pw * t * Math.log(s(x)) + (1 - t) * Math.log(1 - s(x)));

  it('is the mean binary cross-entropy, integer targets floatified, posWeight per class', () => {
    const xs = [[-1, 0.5, 2], [0.3, -2, 1]];
    const ts = [[0, 1, 1], [1, 0, 0]];
    const pw = [1, 2, 0.5];
    const x = torch.tensor(xs, { dtype: 'float64' });
    const t = torch.tensor(ts); // int64
    const flat = xs.flatMap((r, i) => r.map((v, c) => bce(v, ts[i]![c]!, pw[c])));
    const loss = BCEWithLogitsLossFlat({ posWeight: torch.tensor(pw, { dtype: 'float64' }) });
    assertClose(loss.call(x, t).item(), flat.reduce((a, b) => a + b, 0) / 6, { rtol: 1e-12 });
    const none = loss.call(x, t, { reduction: 'none' });
    assert.deepEqual(none.shape, [6]); // flattened, as fastai
    assertClose(arr(none), flat, { rtol: 1e-12 });
  });

  it('moves class axis 1 last for (N, C, H, W), with per-class weights', () => {
    torch.manualSeed(4);
    const x = torch.randn([2, 3, 2, 2], { dtype: 'float64' });
    const t = torch.randint(0, 2, [2, 3, 2, 2]);
    const w = [1, 3, 0.25];
    const xa = x.toArray() as number[][][][];
    const ta = t.toArray() as number[][][][];
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let h = 0; h < 2; h++) for (let q = 0; q < 2; q++) for (let c = 0; c < 3; c++) expected.push(w[c]! * bce(xa[n]![c]![h]![q]!, ta[n]![c]![h]![q]!));
    const loss = BCEWithLogitsLossFlat({ axis: 1, weight: torch.tensor(w, { dtype: 'float64' }) });
    assertClose(arr(loss.call(x, t, { reduction: 'none' })), expected, { rtol: 1e-12 });
  });

  it('has sigmoid activation and decodes x > thresh', () => {
    const loss = BCEWithLogitsLossFlat({ thresh: 0.6 });
    const p = torch.tensor([0.2, 0.6, 0.7]);
    assert.deepEqual(loss.decodes(p).toArray(), [false, false, true]);
    assertClose(arr(loss.activation(torch.tensor([0], { dtype: 'float64' }))), [0.5]);
  });

  it('names both shapes when targets do not match', () => {
    assert.throws(() => BCEWithLogitsLossFlat().call(torch.zeros([2, 3]), torch.zeros([2])), /targets of shape \[2\] do not match predictions of shape \[2, 3\]/);
  });
});

describe('toLossFunction', () => {
  it('passes a LossFunction through and wraps a plain function with its name and no activation', () => {
    const ce = CrossEntropyLossFlat();
    assert.equal(toLossFunction(ce), ce);
    function myLoss(p: Tensor, t: Tensor): Tensor {
      return F.mseLoss(p, t);
    }
    const wrapped = toLossFunction(myLoss);
    assert.equal(wrapped.name, 'myLoss');
    assert.equal(wrapped.activation, undefined);
    assert.equal(wrapped.decodes, undefined);
    const p = torch.tensor([1, 2]);
    const t = torch.tensor([0, 0], { dtype: 'float32' });
    assertClose(wrapped.call(p.float(), t).item(), 2.5);
    assertClose(wrapped.call(p.float(), t, { reduction: 'mean' }).item(), 2.5);
    assert.throws(() => wrapped.call(p.float(), t, { reduction: 'none' }), /'myLoss' is a plain function.*reduction 'none'.*LossFunction/);
    assert.equal(toLossFunction((a: Tensor) => a).name, 'loss');
    assert.throws(() => toLossFunction({} as never), /lossFunc must be a LossFunction/);
  });
});
