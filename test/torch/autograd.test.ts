import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, torch } from '../../src/index.js';
import { gradcheck } from './gradcheck.js';

const f64 = (shape: number[]) => torch.randn(shape, { dtype: 'float64', requiresGrad: true });

describe('autograd basics', () => {
  it('accumulates gradients into leaves and records grad functions', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    assert.equal(x.isLeaf, true);
    const y = x.mul(x).sum();
    assert.equal(y.gradFn, 'SumBackward0');
    assert.equal(y.isLeaf, false);
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    x.mul(3).sum().backward(); // accumulates
    assert.deepEqual(x.grad!.toArray(), [5, 7, 9]);
    x.grad = null; // zeroGrad
    assert.equal(x.grad, null);
  });

  it('takes a gradient for non-scalar outputs and can retain the graph', () => {
    const x = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = x.mul(3);
    y.backward(torch.tensor([1, 10], { dtype: 'float32' }), { retainGraph: true });
    y.backward(torch.tensor([1, 1], { dtype: 'float32' }));
    assert.deepEqual(x.grad!.toArray(), [6, 33]);
  });

  it('does not record inside noGrad, and detach cuts the graph', () => {
    const x = torch.ones([2]).requiresGrad_();
    const y = torch.noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    assert.equal(x.mul(2).detach().requiresGrad, false);
    assert.equal(torch.noGrad(() => torch.enableGrad(() => x.mul(2)).requiresGrad), true);
  });

  it('explains a backward on a tensor that does not require grad', () => {
    assert.throws(() => torch.ones([1]).sum().backward(), /does not require grad.*set requiresGrad/);
  });
});

describe('gradients match central finite differences (float64)', () => {
  it('linear', () => {
    torch.manualSeed(1);
    gradcheck((x, w, b) => F.linear(x!, w!, b!), [f64([3, 4]), f64([5, 4]), f64([5])]);
  });

  it('conv2d with stride, padding, dilation and groups', () => {
    torch.manualSeed(2);
    gradcheck((x, w, b) => F.conv2d(x!, w!, b!, { stride: 2, padding: 1 }), [f64([2, 2, 5, 5]), f64([3, 2, 3, 3]), f64([3])]);
    gradcheck((x, w) => F.conv2d(x!, w!, null, { dilation: 2, groups: 2, pad: [0, 1, 1, 0] }), [f64([1, 4, 6, 6]), f64([4, 2, 2, 2])]);
  });

  it('batchNorm in training mode (batch statistics)', () => {
    torch.manualSeed(3);
    gradcheck((x, w, b) => F.batchNorm(x!, null, null, { weight: w!, bias: b!, training: true }), [f64([4, 3, 2, 2]), f64([3]), f64([3])]);
  });

  it('logSoftmax followed by nllLoss, and crossEntropy', () => {
    torch.manualSeed(4);
    const target = torch.tensor([0, 3, 1, 4]);
    gradcheck((x) => F.nllLoss(F.logSoftmax(x!, 1), target), [f64([4, 5])]);
    gradcheck((x) => F.crossEntropy(x!, target, { labelSmoothing: 0.1 }), [f64([4, 5])]);
  });

  it('gridSample (bilinear; zeros, border and reflection padding)', () => {
    torch.manualSeed(5);
    for (const paddingMode of ['zeros', 'border', 'reflection'] as const) {
      for (const alignCorners of [false, true]) {
        const grid = torch.rand([1, 3, 3, 2], { dtype: 'float64' }).mul(2.4).sub(1.2).requiresGrad_();
        gradcheck((x, g) => F.gridSample(x!, g!, { paddingMode, alignCorners }), [f64([1, 2, 4, 4]), grid]);
      }
    }
  });
});
