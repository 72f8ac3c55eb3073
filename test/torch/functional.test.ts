import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const img = () => torch.arange(16, undefined, 1, { dtype: 'float32' }).view(1, 1, 4, 4);

describe('F: pooling', () => {
  it('max and average pooling', () => {
    assert.deepEqual(F.maxPool2d(img(), 2).toArray(), [[[[5, 7], [13, 15]]]]);
    assert.deepEqual(F.avgPool2d(img(), 2).toArray(), [[[[2.5, 4.5], [10.5, 12.5]]]]);
    assert.deepEqual(F.maxPool2d(img(), 3, { stride: 2, padding: 1 }).shape, [1, 1, 2, 2]);
    assert.deepEqual(F.adaptiveAvgPool2d(img(), 1).toArray(), [[[[7.5]]]]);
    assert.deepEqual(F.adaptiveMaxPool2d(img(), 1).toArray(), [[[[15]]]]);
    assert.deepEqual(F.adaptiveAvgPool2d(img(), [2, 1]).toArray(), [[[[3.5], [11.5]]]]);
  });
});

describe('F: activations', () => {
  it('relu, relu6, leakyRelu, gelu', () => {
    const x = torch.tensor([-2, 0.5, 7]);
    assert.deepEqual(F.relu(x).toArray(), [0, 0.5, 7]);
    assert.deepEqual(F.relu6(x).toArray(), [0, 0.5, 6]);
    assertClose(F.leakyRelu(x).toTypedArray() as Float32Array, [-0.02, 0.5, 7]);
    assertClose(F.leakyRelu(x, 0.2).toTypedArray() as Float32Array, [-0.4, 0.5, 7]);
    const erf = (v: number) => { // Abramowitz-Stegun 7.1.26, |error| < 1.5e-7
      const t = 1 / (1 + 0.3275911 * Math.abs(v));
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-v * v);
      return v >= 0 ? y : -y;
    };
    assertClose(F.gelu(x).toTypedArray() as Float32Array, [-2, 0.5, 7].map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), { atol: 1e-6 });
  });

  it('dropout zeroes about p and scales the rest by 1/(1-p); identity when not training', () => {
    torch.manualSeed(0);
    const y = F.dropout(torch.ones([10000]), 0.3);
    const kept = y.ne(0).float().mean().item();
    assertClose(kept, 0.7, { atol: 0.02 });
    assertClose(y.max().item(), 1 / 0.7, { rtol: 1e-6 });
    assert.equal(F.dropout(torch.ones([10]), 0.3, false).sum().item(), 10);
    assert.throws(() => F.dropout(torch.ones([1]), 1.5), /between 0 and 1/);
  });
});

describe('F: padding and resizing', () => {
  const x = () => torch.tensor([[[[1, 2], [3, 4]]]], { dtype: 'float32' });

  it('pads with constants, reflection and replication', () => {
    assert.deepEqual(F.pad(x(), [1, 0, 0, 1]).toArray(), [[[[0, 1, 2], [0, 3, 4], [0, 0, 0]]]]);
    assert.deepEqual(F.pad(x(), [1, 1, 0, 0], 'constant', 9).toArray(), [[[[9, 1, 2, 9], [9, 3, 4, 9]]]]);
    assert.deepEqual(F.pad(x(), [1, 1, 0, 0], 'reflect').toArray(), [[[[2, 1, 2, 1], [4, 3, 4, 3]]]]);
    assert.deepEqual(F.pad(x(), [1, 1, 0, 0], 'replicate').toArray(), [[[[1, 1, 2, 2], [3, 3, 4, 4]]]]);
  });

  it('convolves with explicit asymmetric padding like padding first', () => {
    torch.manualSeed(0);
    const input = torch.randn([1, 2, 5, 5]);
    const w = torch.randn([3, 2, 3, 3]);
    const a = F.conv2d(input, w, null, { stride: 2, pad: [0, 1, 0, 1] });
    const b = F.conv2d(F.pad(input, [0, 1, 0, 1]), w, null, { stride: 2 });
    assert.deepEqual(a.shape, [1, 3, 2, 2]);
    assertClose(a.toTypedArray() as Float32Array, b.toTypedArray() as Float32Array);
    assert.deepEqual(F.conv2d(input, w, null, { padding: 'same' }).shape, [1, 3, 5, 5]);
  });

  it('interpolates nearest and bilinear, with and without alignCorners', () => {
    assert.deepEqual(F.interpolate(x(), { scaleFactor: 2 }).toArray(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    const ac = F.interpolate(x(), { size: 3, mode: 'bilinear', alignCorners: true });
    assert.deepEqual(ac.toArray(), [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]);
    const hc = F.interpolate(x(), { size: [4, 4], mode: 'bilinear' });
    assertClose((hc.toTypedArray() as Float32Array).slice(0, 4), [1, 1.25, 1.75, 2]);
    assert.throws(() => F.interpolate(x(), { size: 3, scaleFactor: 2 }), /exactly one of size and scaleFactor/);
  });

  it('affineGrid + gridSample with the identity matrix reproduce the input', () => {
    torch.manualSeed(0);
    const input = torch.randn([2, 3, 5, 7]);
    const theta = torch.tensor([[1, 0, 0], [0, 1, 0]], { dtype: 'float32' }).unsqueeze(0).expand(2, 2, 3);
    for (const alignCorners of [false, true]) {
      const grid = F.affineGrid(theta, [2, 3, 5, 7], alignCorners);
      assert.deepEqual(grid.shape, [2, 5, 7, 2]);
      const out = F.gridSample(input, grid, { alignCorners, paddingMode: 'reflection' });
      assertClose(out.toTypedArray() as Float32Array, input.toTypedArray() as Float32Array, { atol: 1e-5 });
    }
  });

  it('gridSample with a negated x axis flips horizontally', () => {
    const input = torch.randn([1, 1, 3, 4]);
    const theta = torch.tensor([[[-1, 0, 0], [0, 1, 0]]], { dtype: 'float32' });
    const out = F.gridSample(input, F.affineGrid(theta, [1, 1, 3, 4], true), { alignCorners: true });
    assertClose(out.toTypedArray() as Float32Array, input.flip(-1).toTypedArray() as Float32Array, { atol: 1e-6 });
  });
});
