// Cross-entropy built step by step as in chapter 5 of the fastai book, with the book's numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BCEWithLogitsLossFlat, CrossEntropyLoss, CrossEntropyLossFlat, crossEntropy, Learner, logSoftmax, nllLoss, sigmoid, softmax, type Tensor, torch,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { pointDls, TinyNet } from './synthetic.js';

const arr = (t: Tensor): number[] => Array.from(t.toTypedArray() as ArrayLike<number>, Number);

describe('cross-entropy as the chapter builds it', () => {
  // The book: torch.manual_seed(42); acts = torch.randn((6,2))*2; targ = [0,1,0,1,1,0].
  torch.manualSeed(42);
  const acts = torch.randn([6, 2]).mul(2);
  const targ = torch.tensor([0, 1, 0, 1, 1, 0], { dtype: 'int64' });
  const idx = torch.arange(0, 6, 1, { dtype: 'int64' });

  it('draws the book\'s activations from the same seed', () => {
    assertClose(arr(acts), [0.6734, 0.2576, 0.4689, 0.4607, -2.2457, -0.3727, 4.4164, -1.276, 0.9233, 0.5347, 1.0698, 1.6187], { atol: 1e-4 });
  });

  it('softmax of two classes is the sigmoid of their difference, and rows sum to 1', () => {
    const smActs = softmax(acts);
    const viaSigmoid = sigmoid(acts.select(1, 0).sub(acts.select(1, 1)));
    assertClose(arr(smActs.select(1, 0)), arr(viaSigmoid), { atol: 1e-6 });
    assertClose(arr(smActs.sum(1)), [1, 1, 1, 1, 1, 1], { atol: 1e-6 });
    assertClose(arr(smActs.select(1, 0)), [0.6025, 0.5021, 0.1332, 0.9966, 0.5959, 0.3661], { atol: 1e-4 });
  });

  it('nllLoss picks -x[i, targ[i]] and takes no log', () => {
    const smActs = softmax(acts);
    const picked = smActs.index(idx, targ);
    assertClose(arr(picked), [0.6025, 0.4979, 0.1332, 0.0034, 0.4041, 0.3661], { atol: 1e-4 });
    assertClose(arr(nllLoss(smActs, targ, { reduction: 'none' })), arr(picked.neg()), { atol: 0 });
    assertClose(nllLoss(smActs, targ).item(), -arr(picked).reduce((s, v) => s + v, 0) / 6, { atol: 1e-7 });
  });

  it('crossEntropy is nllLoss of logSoftmax, 1.8045 on the book\'s example', () => {
    const ce = crossEntropy(acts, targ).item();
    assertClose(ce, nllLoss(logSoftmax(acts), targ).item(), { atol: 1e-7 });
    assertClose(arr(logSoftmax(acts).exp()), arr(softmax(acts)), { atol: 1e-6 });
    assert.equal(ce.toFixed(4), '1.8045');
    assertClose(new CrossEntropyLoss().call(acts, targ).item(), ce, { atol: 0 });
  });

  it('reduction none gives the book\'s per-item losses; sum is their total', () => {
    const none = new CrossEntropyLoss({ reduction: 'none' }).call(acts, targ);
    assertClose(arr(none), [0.5067, 0.6973, 2.016, 5.6958, 0.9062, 1.0048], { atol: 1e-4 });
    assertClose(CrossEntropyLoss({ reduction: 'sum' }).call(acts, targ).item(), arr(none).reduce((s, v) => s + v, 0), { rtol: 1e-6 });
    // the Flat loss agrees on (N, C) scores
    assertClose(arr(CrossEntropyLossFlat().call(acts, targ, { reduction: 'none' })), arr(none), { atol: 0 });
  });

  it('weight and labelSmoothing follow their formulas', () => {
    const lp = arr(logSoftmax(acts));
    const t = arr(targ);
    const w = [0.25, 2];
    const weighted = CrossEntropyLoss({ weight: torch.tensor(w) }).call(acts, targ).item();
    const num = t.reduce((s, k, i) => s - w[k]! * lp[2 * i + k]!, 0);
    assertClose(weighted, num / t.reduce((s, k) => s + w[k]!, 0), { rtol: 1e-6 });
    const eps = 0.1;
    const smoothed = CrossEntropyLoss({ labelSmoothing: eps }).call(acts, targ).item();
    // (1 - eps) * nll + eps * mean over classes of -log p
    const expect = t.reduce((s, k, i) => s + (1 - eps) * -lp[2 * i + k]! + (eps / 2) * -(lp[2 * i]! + lp[2 * i + 1]!), 0) / 6;
    assertClose(smoothed, expect, { rtol: 1e-6 });
  });

  it('classes construct with or without new, and reject bad options with the fix', () => {
    assert.ok(CrossEntropyLoss() instanceof CrossEntropyLoss);
    assert.ok(new CrossEntropyLossFlat() instanceof CrossEntropyLossFlat);
    assert.ok(BCEWithLogitsLossFlat() instanceof BCEWithLogitsLossFlat);
    assert.throws(() => CrossEntropyLoss({ reduction: 'avg' as never }), /reduction must be one of 'mean', 'sum', 'none', not "avg"/);
    assert.throws(() => new CrossEntropyLossFlat({ labelSmoothing: 2 }), /labelSmoothing must be in \[0, 1\], not 2/);
    assert.throws(() => CrossEntropyLoss().call(torch.tensor([1, 2]), targ), /class axis 1.*BCEWithLogitsLossFlat/);
  });

  it('BCEWithLogitsLossFlat is sigmoid then binary cross-entropy, per class', () => {
    const y = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]]);
    const p = arr(sigmoid(acts));
    const yy = arr(y);
    const expect = p.reduce((s, q, i) => s - (yy[i]! * Math.log(q) + (1 - yy[i]!) * Math.log(1 - q)), 0) / p.length;
    assertClose(BCEWithLogitsLossFlat().call(acts, y).item(), expect, { rtol: 1e-6 });
  });

  it('a Learner trains with new CrossEntropyLoss() and decodes with its argmax', async () => {
    torch.manualSeed(0);
    const learn = new Learner(await pointDls({ n: 64, bs: 16 }), new TinyNet(), { lossFunc: new CrossEntropyLoss(), lr: 1e-2, quiet: true });
    await learn.fit(2);
    const [trainLoss, validLoss] = learn.recorder.values.at(-1)!;
    assert.ok(Number.isFinite(trainLoss) && Number.isFinite(validLoss));
    const { preds, decoded } = await learn.getPreds({ withDecoded: true });
    assertClose(arr(preds.sum(1)), Array(preds.shape[0]).fill(1), { atol: 1e-5 });
    assert.deepEqual(arr(decoded!), arr(preds.argmax(1)));
    torch.dispose([preds, decoded!]);
  });
});
