import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';

// fastbook chapter 5's example, numbers from PyTorch.
describe("the book's cross-entropy example", () => {
  torch.manualSeed(42);
  const acts = torch.randn([6, 2]).mul(2);
  const targ = torch.tensor([0, 1, 0, 1, 1, 0]);

  it('draws the same activations as PyTorch after manualSeed(42)', () => {
    const expected = [[0.6734, 0.2576], [0.4689, 0.4607], [-2.2457, -0.3727], [4.4164, -1.276], [0.9233, 0.5347], [1.0698, 1.6187]];
    assertClose(acts.toTypedArray() as Float32Array, expected.flat(), { atol: 5e-5, rtol: 0 });
  });

  it('gives 1.8045 with crossEntropy, equal to nllLoss(logSoftmax(acts))', () => {
    const ce = F.crossEntropy(acts, targ).item();
    assertClose(ce, 1.8045, { atol: 5e-5, rtol: 0 });
    assertClose(F.nllLoss(F.logSoftmax(acts, 1), targ).item(), ce, { atol: 1e-7, rtol: 0 });
  });

  it("gives one loss per item with reduction 'none'", () => {
    const losses = F.crossEntropy(acts, targ, { reduction: 'none' });
    assert.deepEqual(losses.shape, [6]);
    assertClose(losses.toTypedArray() as Float32Array, [0.5067, 0.6973, 2.016, 5.6958, 0.9062, 1.0048], { atol: 5e-5, rtol: 0 });
    assertClose(F.crossEntropy(acts, targ, { reduction: 'sum' }).item(), losses.sum().item(), { rtol: 1e-6 });
  });

  it('picks -x[i, y_i] in nllLoss without taking a log', () => {
    const x = torch.tensor([[0.1, 0.9], [0.7, 0.3]]);
    assertClose(F.nllLoss(x, torch.tensor([1, 0]), { reduction: 'none' }).toTypedArray() as Float32Array, [-0.9, -0.7]);
  });

  it('applies class weights and label smoothing as PyTorch', () => {
    const w = torch.tensor([1, 3], { dtype: 'float32' });
    const per = F.crossEntropy(acts, targ, { reduction: 'none' }).toTypedArray() as Float32Array;
    const t = targ.toArray() as number[];
    const wsum = t.reduce((s, c) => s + (c === 1 ? 3 : 1), 0);
    const expected = t.reduce((s, c, i) => s + per[i]! * (c === 1 ? 3 : 1), 0) / wsum;
    assertClose(F.crossEntropy(acts, targ, { weight: w }).item(), expected, { rtol: 1e-6 });
    // Label smoothing eps: (1-eps)*CE + eps * mean over classes of -log p.
    const logp = F.logSoftmax(acts, 1);
    const uniform = logp.neg().mean(1).mean().item();
    assertClose(F.crossEntropy(acts, targ, { labelSmoothing: 0.1 }).item(), 0.9 * F.crossEntropy(acts, targ).item() + 0.1 * uniform, { rtol: 1e-6 });
  });
});

describe('other losses and encodings', () => {
  it('binaryCrossEntropyWithLogits matches the formula', () => {
    const x = torch.tensor([-1, 0.5, 2], { dtype: 'float64' });
    const y = torch.tensor([0, 1, 1], { dtype: 'float64' });
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = (-Math.log(1 - s(-1)) - Math.log(s(0.5)) - Math.log(s(2))) / 3;
    assertClose(F.binaryCrossEntropyWithLogits(x, y).item(), expected, { rtol: 1e-12 });
  });

  it('oneHot encodes class indices', () => {
    assert.deepEqual(F.oneHot(torch.tensor([2, 0]), 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
  });

  it('mseLoss and l1Loss', () => {
    const a = torch.tensor([1, 2], { dtype: 'float32' });
    const b = torch.tensor([3, 2], { dtype: 'float32' });
    assert.equal(F.mseLoss(a, b).item(), 2);
    assert.equal(F.l1Loss(a, b, { reduction: 'sum' }).item(), 2);
  });
});
