import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('creating tensors', () => {
  it('infers shape and dtype from nested arrays as PyTorch does', () => {
    const ints = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(ints.shape, [2, 3]);
    assert.equal(ints.dtype, 'int64');
    assert.equal(torch.tensor([1.5, 2]).dtype, 'float32');
    assert.equal(torch.tensor([true, false]).dtype, 'bool');
    assert.deepEqual(torch.tensor(3.5).shape, []);
    assert.deepEqual(torch.tensor([[1, 2], [3, 4]], { dtype: 'float64' }).toArray(), [[1, 2], [3, 4]]);
  });

  it('rejects ragged nested arrays, naming the offending element', () => {
    assert.throws(() => torch.tensor([[1, 2], [3]]), /data\[1\] has shape \[1\] but data\[0\] has \[2\]/);
  });

  it('copies typed arrays and HWC image bytes once, keeping their dtype', () => {
    const bytes = Buffer.from([0, 64, 128, 255, 1, 2]);
    const img = torch.tensor(bytes, [1, 2, 3]);
    assert.equal(img.dtype, 'uint8');
    assert.deepEqual(img.shape, [1, 2, 3]);
    assert.deepEqual(Array.from(img.toTypedArray() as Uint8Array), [0, 64, 128, 255, 1, 2]);
    bytes[0] = 9; // the tensor owns a copy
    assert.equal(img.toArray().toString(), '0,64,128,255,1,2');
    const f = torch.tensor(new Float32Array([1, 2, 3, 4]), [2, 2], { dtype: 'float64' });
    assert.equal(f.dtype, 'float64');
    assert.throws(() => torch.tensor(new Float32Array(3), [2, 2]), /12 bytes of data do not fill shape \[2, 2\]/);
  });

  it('has PyTorch factories with their default dtypes', () => {
    assert.deepEqual(torch.zeros([2, 3]).toArray(), [[0, 0, 0], [0, 0, 0]]);
    assert.equal(torch.ones([2]).dtype, 'float32');
    assert.deepEqual(torch.full([2], 7, { dtype: 'int32' }).toArray(), [7, 7]);
    assert.deepEqual(torch.arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.equal(torch.arange(5).dtype, 'int64');
    assertClose(torch.arange(0, 1, 0.25).toTypedArray() as Float32Array, [0, 0.25, 0.5, 0.75]);
    assertClose(torch.linspace(0, 1, 5).toTypedArray() as Float32Array, [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(torch.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    const r = torch.randint(3, 7, [1000]);
    assert.ok(r.min().item() >= 3 && r.max().item() < 7);
    const p = torch.randperm(10).sort().values.toArray();
    assert.deepEqual(p, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const like = torch.zerosLike(torch.ones([2, 2], { dtype: 'float64' }));
    assert.equal(like.dtype, 'float64');
    assert.deepEqual(torch.onesLike(like).toArray(), [[1, 1], [1, 1]]);
  });

  it('draws uniform and normal values with the right moments', () => {
    torch.manualSeed(0);
    const u = torch.rand([20000]);
    assertClose(u.mean().item(), 0.5, { atol: 0.01 });
    const n = torch.randn([20000]);
    assertClose(n.mean().item(), 0, { atol: 0.03 });
    assertClose(n.std().item(), 1, { atol: 0.03 });
  });

  it('repeats random draws after manualSeed', () => {
    torch.manualSeed(7);
    const a = torch.randn([5]).toArray();
    const pa = torch.randperm(8).toArray();
    torch.manualSeed(7);
    assert.deepEqual(torch.randn([5]).toArray(), a);
    assert.deepEqual(torch.randperm(8).toArray(), pa);
  });
});

describe('dtype conversions', () => {
  it('converts between float, integer, bool and reduced-precision types', () => {
    const x = torch.tensor([-1.7, 0, 2.5]);
    assert.deepEqual(x.to('int64').toArray(), [-1, 0, 2]);
    assert.deepEqual(x.bool().toArray(), [true, false, true]);
    assert.equal(x.double().dtype, 'float64');
    assert.deepEqual(x.bfloat16().toArray(), [-1.703125, 0, 2.5]);
    assert.deepEqual(x.half().toArray(), [-1.7001953125, 0, 2.5]);
    assert.deepEqual(torch.tensor([300], { dtype: 'int32' }).byte().toArray(), [44]);
    assert.equal(torch.tensor([1, 2]).div(2).dtype, 'float32'); // true division
  });

  it('reads int64 data as BigInt64Array and numbers', () => {
    const t = torch.tensor([1, 2 ** 40]);
    assert.deepEqual(Array.from(t.toTypedArray() as BigInt64Array), [1n, 2n ** 40n]);
    assert.deepEqual(t.toArray(), [1, 2 ** 40]);
  });

  it('gives a zero-copy view of contiguous CPU memory', () => {
    const t = torch.zeros([4]);
    const view = t.dataView() as Float32Array;
    view[2] = 5;
    assert.deepEqual(t.toArray(), [0, 0, 5, 0]);
    assert.throws(() => torch.zeros([2, 3]).t().dataView(), /contiguous/);
  });
});

describe('shapes and indexing', () => {
  const x = () => torch.arange(24).reshape(2, 3, 4);

  it('views, permutes and flattens', () => {
    assert.deepEqual(x().view([6, 4]).shape, [6, 4]);
    assert.deepEqual(x().view(-1).shape, [24]);
    assert.deepEqual(x().permute(2, 0, 1).shape, [4, 2, 3]);
    assert.deepEqual(x().transpose(0, 2).shape, [4, 3, 2]);
    assert.equal(x().transpose(0, 2).isContiguous(), false);
    assert.equal(x().transpose(0, 2).contiguous().isContiguous(), true);
    assert.deepEqual(x().flatten(1).shape, [2, 12]);
    assert.deepEqual(x().unsqueeze(0).shape, [1, 2, 3, 4]);
    assert.deepEqual(torch.zeros([1, 3, 1]).squeeze().shape, [3]);
    assert.deepEqual(torch.zeros([1, 3, 1]).squeeze(0).shape, [3, 1]);
    assert.deepEqual(torch.tensor([[1], [2]]).expand(2, 3).toArray(), [[1, 1, 1], [2, 2, 2]]);
    assert.throws(() => x().view(5, 5), /shape '\[5, 5\]' is invalid for input of size 24/);
  });

  it('selects, slices, narrows and gathers', () => {
    assert.deepEqual(x().select(1, 2).toArray(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
    assert.deepEqual(x().slice(2, 1, 3).select(0, 0).toArray(), [[1, 2], [5, 6], [9, 10]]);
    assert.deepEqual(torch.arange(10).slice(0, null, null, 3).toArray(), [0, 3, 6, 9]);
    assert.deepEqual(torch.arange(10).slice(0, -3).toArray(), [7, 8, 9]);
    assert.deepEqual(torch.arange(10).narrow(0, 2, 3).toArray(), [2, 3, 4]);
    const m = torch.tensor([[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(m.indexSelect(0, torch.tensor([2, 0])).toArray(), [[5, 6], [1, 2]]);
    assert.deepEqual(m.gather(1, torch.tensor([[1], [0], [1]])).toArray(), [[2], [3], [6]]);
    assert.deepEqual(m.index(torch.tensor([0, 2]), torch.tensor([1, 0])).toArray(), [2, 5]);
    assert.deepEqual(m.index(null, torch.tensor([1])).toArray(), [[2], [4], [6]]);
    assert.deepEqual(m.maskedSelect(m.gt(3)).toArray(), [4, 5, 6]);
    assert.deepEqual(m.index(torch.tensor([true, false, true])).toArray(), [[1, 2], [5, 6]]);
    assert.deepEqual(m.maskedFill(m.lt(3), 0).toArray(), [[0, 0], [3, 4], [5, 6]]);
  });

  it('concatenates, stacks, splits, chunks and flips', () => {
    const a = torch.tensor([[1, 2]]);
    const b = torch.tensor([[3, 4]]);
    assert.deepEqual(torch.cat([a, b]).toArray(), [[1, 2], [3, 4]]);
    assert.deepEqual(torch.cat([a, b], 1).toArray(), [[1, 2, 3, 4]]);
    assert.deepEqual(torch.stack([a, b]).shape, [2, 1, 2]);
    assert.deepEqual(torch.arange(5).split(2).map((t) => t.toArray()), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(torch.arange(5).split([1, 4]).map((t) => t.shape[0]), [1, 4]);
    assert.deepEqual(torch.arange(6).chunk(3).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(torch.tensor([[1, 2], [3, 4]]).flip(-1).toArray(), [[2, 1], [4, 3]]);
    assert.deepEqual(torch.tensor([[1, 2], [3, 4]]).flip(0, 1).toArray(), [[4, 3], [2, 1]]);
    assert.throws(() => torch.cat([]), /at least one tensor/);
  });
});

describe('math', () => {
  it('broadcasts arithmetic between tensors and with scalars', () => {
    const col = torch.tensor([[1], [2]], { dtype: 'float32' });
    const row = torch.tensor([10, 20, 30], { dtype: 'float32' });
    assert.deepEqual(col.add(row).toArray(), [[11, 21, 31], [12, 22, 32]]);
    assert.deepEqual(row.sub(col, 2).toArray(), [[8, 18, 28], [6, 16, 26]]);
    assert.deepEqual(col.mul(row).toArray(), [[10, 20, 30], [20, 40, 60]]);
    assert.deepEqual(row.div(10).toArray(), [1, 2, 3]);
    assert.deepEqual(row.add(1).toArray(), [11, 21, 31]);
    assert.deepEqual(col.rsub(5).toArray(), [[4], [3]]);
    assert.deepEqual(col.neg().toArray(), [[-1], [-2]]);
    assert.throws(() => torch.ones([2, 3]).add(torch.ones([4])), /must match the size of tensor b \(4\) at non-singleton dimension 1/);
  });

  it('computes elementwise functions', () => {
    const x = torch.tensor([0.25, 1, 4]);
    assertClose(x.sqrt().toTypedArray() as Float32Array, [0.5, 1, 2]);
    assertClose(x.rsqrt().toTypedArray() as Float32Array, [2, 1, 0.5]);
    assertClose(x.log().toTypedArray() as Float32Array, [Math.log(0.25), 0, Math.log(4)]);
    assertClose(x.exp().toTypedArray() as Float32Array, [Math.exp(0.25), Math.E, Math.exp(4)], { rtol: 1e-6 });
    assertClose(x.pow(2).toTypedArray() as Float32Array, [0.0625, 1, 16]);
    assertClose(x.pow(x).toTypedArray() as Float32Array, [0.25 ** 0.25, 1, 256]);
    assert.deepEqual(torch.tensor([-2, 0, 2]).abs().toArray(), [2, 0, 2]);
    assertClose(torch.tensor([-1, 0, 1.5]).sigmoid().toTypedArray() as Float32Array, [1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1.5))]);
    assertClose(torch.tensor([-1, 0.5]).tanh().toTypedArray() as Float32Array, [Math.tanh(-1), Math.tanh(0.5)]);
    assert.deepEqual(torch.tensor([-3, 0.5, 9]).clamp(0, 1).toArray(), [0, 0.5, 1]);
    assert.deepEqual(torch.tensor([-3, 0.5, 9]).clamp(null, 1).toArray(), [-3, 0.5, 1]);
    assert.deepEqual(torch.tensor([1, 5]).maximum(torch.tensor([3, 2])).toArray(), [3, 5]);
    assert.deepEqual(torch.tensor([1, 5]).minimum(torch.tensor([3, 2])).toArray(), [1, 2]);
    assertClose(torch.tensor([0, 10], { dtype: 'float32' }).lerp(torch.tensor([10, 20], { dtype: 'float32' }), 0.25).toTypedArray() as Float32Array, [2.5, 12.5]);
    assert.deepEqual(torch.tensor([NaN, 1, Infinity]).isnan().toArray(), [true, false, false]);
    assert.deepEqual(torch.tensor([NaN, 1, Infinity]).isfinite().toArray(), [false, true, false]);
  });

  it('reduces over all elements or dimensions, with keepdim', () => {
    const m = torch.tensor([[1, 5, 3], [4, 2, 6]], { dtype: 'float32' });
    assert.equal(m.sum().item(), 21);
    assert.deepEqual(m.sum(0).toArray(), [5, 7, 9]);
    assert.deepEqual(m.sum(1, true).shape, [2, 1]);
    assert.deepEqual(m.mean(1).toArray(), [3, 4]);
    assertClose(m.std().item(), Math.sqrt(17.5 / 5));
    assertClose(m.var(1).toTypedArray() as Float32Array, [4, 4]);
    assertClose(m.var(1, false).toTypedArray() as Float32Array, [8 / 3, 8 / 3]);
    assert.equal(m.max().item(), 6);
    assert.equal(m.min().item(), 1);
    const { values, indices } = m.max(1);
    assert.deepEqual(values.toArray(), [5, 6]);
    assert.deepEqual(indices.toArray(), [1, 2]);
    assert.deepEqual(m.min(0).indices.toArray(), [0, 1, 0]);
    assert.equal(m.argmax().item(), 5);
    assert.deepEqual(m.argmax(1).toArray(), [1, 2]);
    assert.deepEqual(m.argmin(1, true).shape, [2, 1]);
    const top = m.flatten().topk(2);
    assert.deepEqual(top.values.toArray(), [6, 5]);
    assert.deepEqual(top.indices.toArray(), [5, 1]);
    assert.deepEqual(m.flatten().sort(0, true).values.toArray(), [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(m.flatten().argsort().toArray(), [0, 4, 2, 3, 1, 5]);
    assert.deepEqual(m.gt(2).any(1).toArray(), [true, true]);
    assert.deepEqual(m.gt(2).all(1).toArray(), [false, false]);
    assert.deepEqual(torch.tensor([1, 2, 3]).cumsum(0).toArray(), [1, 3, 6]);
    assertClose(m.logsumexp(1).toTypedArray() as Float32Array, [Math.log(Math.E + Math.exp(5) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(2) + Math.exp(6))], { rtol: 1e-6 });
  });

  it('multiplies matrices and batches of matrices', () => {
    const a = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    const b = torch.tensor([[5, 6], [7, 8]], { dtype: 'float32' });
    assert.deepEqual(a.mm(b).toArray(), [[19, 22], [43, 50]]);
    assert.deepEqual(a.matmul(torch.tensor([1, 1], { dtype: 'float32' })).toArray(), [3, 7]);
    assert.deepEqual(torch.stack([a, b]).bmm(torch.stack([b, a])).shape, [2, 2, 2]);
    assert.deepEqual(torch.stack([a, b]).bmm(torch.stack([b, a])).select(1 - 1, 1).toArray(), [[23, 34], [31, 46]]);
  });

  it('compares and selects elementwise', () => {
    const x = torch.tensor([1, 2, 3]);
    assert.deepEqual(x.eq(2).toArray(), [false, true, false]);
    assert.deepEqual(x.ne(torch.tensor([1, 0, 3])).toArray(), [false, true, false]);
    assert.deepEqual(x.le(2).toArray(), [true, true, false]);
    assert.deepEqual(x.ge(2).toArray(), [false, true, true]);
    assert.deepEqual(x.lt(2).logicalOr(x.gt(2)).toArray(), [true, false, true]);
    assert.deepEqual(x.lt(2).logicalNot().toArray(), [false, true, true]);
    assert.deepEqual(torch.where(x.gt(1), x, torch.zerosLike(x)).toArray(), [0, 2, 3]);
    assert.deepEqual(torch.where(x.gt(1), 9, x).toArray(), [1, 9, 9]);
    assert.deepEqual(x.where(x.gt(1), -1).toArray(), [-1, 2, 3]);
  });

  it('computes softmax and logSoftmax along a dimension', () => {
    const x = torch.tensor([[1, 2, 3]], { dtype: 'float64' });
    const e = [1, 2, 3].map(Math.exp);
    const z = e.reduce((a, b) => a + b);
    assertClose(x.softmax(1).toTypedArray() as Float64Array, e.map((v) => v / z), { rtol: 1e-12 });
    assertClose(x.logSoftmax(-1).toTypedArray() as Float64Array, e.map((v) => Math.log(v / z)), { rtol: 1e-12 });
  });
});

describe('in-place ops (used by optimizers)', () => {
  it('updates the same tensor and returns it', () => {
    const p = torch.tensor([1, 2, 3], { dtype: 'float32' });
    const ptr = p.dataPtr();
    assert.equal(p.add_(torch.tensor([1, 1, 1], { dtype: 'float32' }), 2), p);
    assert.deepEqual(p.toArray(), [3, 4, 5]);
    p.mul_(2).sub_(1).div_(2);
    assert.deepEqual(p.toArray(), [2.5, 3.5, 4.5]);
    p.addcmul_(torch.tensor([1, 2, 3], { dtype: 'float32' }), torch.tensor([2, 2, 2], { dtype: 'float32' }), 0.5);
    assert.deepEqual(p.toArray(), [3.5, 5.5, 7.5]);
    p.addcdiv_(torch.tensor([1, 1, 1], { dtype: 'float32' }), torch.tensor([2, 4, 8], { dtype: 'float32' }), -1);
    assert.deepEqual(p.toArray(), [3, 5.25, 7.375]);
    p.lerp_(torch.zeros([3]), 0.5);
    assert.deepEqual(p.toArray(), [1.5, 2.625, 3.6875]);
    p.clamp_(2, 3);
    assert.deepEqual(p.toArray(), [2, 2.625, 3]);
    p.copy_(torch.tensor([7, 8, 9]));
    assert.deepEqual(p.toArray(), [7, 8, 9]);
    p.fill_(4);
    assert.deepEqual(p.toArray(), [4, 4, 4]);
    p.zero_();
    assert.deepEqual(p.toArray(), [0, 0, 0]);
    assert.equal(p.dataPtr(), ptr);
  });

  it('updates lists of tensors with one call each (foreach)', () => {
    const ps = [torch.ones([2]), torch.ones([3])];
    const gs = [torch.full([2], 2), torch.full([3], 3)];
    torch.foreach.mul_(ps, 0.5);
    torch.foreach.add_(ps, gs, -1);
    assert.deepEqual(ps.map((p) => p.toArray()), [[-1.5, -1.5], [-2.5, -2.5, -2.5]]);
    torch.foreach.addcdiv_(ps, gs, gs, 2);
    assert.deepEqual(ps.map((p) => p.toArray()), [[0.5, 0.5], [-0.5, -0.5, -0.5]]);
    torch.foreach.addcmul_(ps, gs, gs, 0.5);
    assert.deepEqual(ps.map((p) => p.toArray()), [[2.5, 2.5], [4, 4, 4]]);
    torch.foreach.zero_(ps);
    assert.deepEqual(ps.map((p) => p.toArray()), [[0, 0], [0, 0, 0]]);
    const q = torch.foreach.div(torch.foreach.add(gs, 2), gs);
    assertClose(q[1]!.toTypedArray() as Float32Array, [5 / 3, 5 / 3, 5 / 3]);
    assert.deepEqual(torch.foreach.sqrt([torch.full([1], 4)])[0]!.toArray(), [2]);
    torch.foreach.add_(ps, 1);
    torch.foreach.mul_(ps, torch.unbind(torch.tensor([2, 3])));
    assert.deepEqual(ps.map((p) => p.toArray()), [[2, 2], [3, 3, 3]]);
    assertClose(torch.foreach.norm(ps).map((n) => n.item()), [Math.sqrt(8), Math.sqrt(27)]);
  });
});

describe('printing', () => {
  it('prints like PyTorch', () => {
    torch.manualSeed(42);
    assert.equal(
      torch.randn([2, 2]).toString(),
      'tensor([[0.3367, 0.1288],\n        [0.2345, 0.2303]])',
    );
    assert.equal(torch.tensor([1, 2]).toString(), 'tensor([1, 2])');
    assert.equal(torch.tensor([1, 2], { dtype: 'float32' }).toString(), 'tensor([1., 2.])');
    assert.equal(torch.tensor([1, 2], { dtype: 'float64' }).toString(), 'tensor([1., 2.], dtype=torch.float64)');
    assert.equal(torch.tensor(1.8045).toString(), 'tensor(1.8045)');
    assert.equal(torch.tensor([1e-6, 1]).toString(), 'tensor([1.0000e-06, 1.0000e+00])');
    assert.equal(torch.zeros([3]).requiresGrad_().toString(), 'tensor([0., 0., 0.], requires_grad=True)');
    assert.match(torch.zeros([3]).requiresGrad_().mul(2).toString(), /grad_fn=<MulBackward\d>/);
    assert.match(torch.zeros([100, 100]).toString(), /\.\.\./);
  });
});
