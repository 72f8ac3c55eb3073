// Tensor methods that nothing else in the suite exercises, each checked on values.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';

describe('metadata and conversions', () => {
  it('reports dim() and element strides', () => {
    const t = torch.zeros([2, 3, 4]);
    assert.equal(t.dim(), 3);
    assert.deepEqual(t.strides(), [12, 4, 1]);
    assert.deepEqual(t.transpose(0, 2).strides(), [1, 4, 12]);
  });

  it('converts to int64 and int32 with long() and int(), truncating toward zero', () => {
    const t = torch.tensor([1.7, -1.7, 3]);
    assert.equal(t.long().dtype, 'int64');
    assert.deepEqual(t.long().toArray(), [1, -1, 3]);
    assert.equal(t.int().dtype, 'int32');
    assert.deepEqual(t.int().toArray(), [1, -1, 3]);
  });

  it('prints through util.inspect as it does through toString()', () => {
    const t = torch.tensor([1, 2]);
    assert.equal(inspect(t), 'tensor([1, 2])');
  });

  it('keep() exempts a tensor from the tidy() scope that created it', () => {
    let kept!: ReturnType<typeof torch.ones>;
    let dropped!: ReturnType<typeof torch.ones>;
    torch.tidy(() => {
      dropped = torch.ones([1]);
      kept = torch.ones([2]).keep();
    });
    assert.equal(dropped.isDisposed, true);
    assert.equal(kept.isDisposed, false);
    assert.deepEqual(kept.toArray(), [1, 1]);
    kept.dispose();
  });

  it('cuda() moves to a GPU, or says there is none', () => {
    if (torch.cuda.isAvailable()) {
      assert.equal(torch.ones([1]).cuda().device, 'cuda:0');
    } else {
      assert.throws(() => torch.ones([1]).cuda(), /cuda/i);
    }
  });
});

describe('shape methods', () => {
  it('expandAs broadcasts to another tensor’s shape without copying', () => {
    const col = torch.tensor([[1], [2]]);
    const e = col.expandAs(torch.zeros([2, 3]));
    assert.deepEqual(e.toArray(), [[1, 1, 1], [2, 2, 2]]);
    assert.equal(e.dataPtr(), col.dataPtr());
  });

  it('repeat tiles the data along each dimension', () => {
    assert.deepEqual(torch.tensor([1, 2]).repeat(2, 2).toArray(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
    assert.deepEqual(torch.tensor([[1], [2]]).repeat([1, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
  });

  it('scatter writes a number or a tensor at indices, out of place', () => {
    const z = torch.zeros([2, 3]);
    const idx = torch.tensor([[2], [0]]);
    assert.deepEqual(z.scatter(1, idx, 5).toArray(), [[0, 0, 5], [5, 0, 0]]);
    assert.deepEqual(z.scatter(1, idx, torch.tensor([[7], [8]], { dtype: 'float32' })).toArray(), [[0, 0, 7], [8, 0, 0]]);
    assert.deepEqual(z.toArray(), [[0, 0, 0], [0, 0, 0]], 'the input is unchanged');
  });
});

describe('elementwise math', () => {
  const x = () => torch.tensor([-1.5, -0.5, 0.5, 2.5]);

  it('rounds: floor, ceil, round (half to even, as PyTorch)', () => {
    assert.deepEqual(x().floor().toArray(), [-2, -1, 0, 2]);
    assert.deepEqual(x().ceil().toArray(), [-1, -0, 1, 3]);
    assert.deepEqual(x().round().toArray(), [-2, -0, 0, 2]);
  });

  it('computes sign, square, reciprocal and log1p', () => {
    assert.deepEqual(x().sign().toArray(), [-1, -1, 1, 1]);
    assert.deepEqual(x().square().toArray(), [2.25, 0.25, 0.25, 6.25]);
    assert.deepEqual(torch.tensor([2, -4, 0.5]).reciprocal().toArray(), [0.5, -0.25, 2]);
    assertClose(torch.tensor([0, 1, Math.E - 1]).log1p().toTypedArray() as Float32Array, [0, Math.log(2), 1]);
  });

  it('computes sin and cos', () => {
    const a = torch.tensor([0, Math.PI / 2, Math.PI]);
    assertClose(a.sin().toTypedArray() as Float32Array, [0, 1, 0]);
    assertClose(a.cos().toTypedArray() as Float32Array, [1, 0, -1]);
  });

  it('computes relu out of place, and relu_, sqrt_ and neg_ in place', () => {
    const t = x();
    assert.deepEqual(t.relu().toArray(), [0, 0, 0.5, 2.5]);
    assert.deepEqual(t.toArray(), [-1.5, -0.5, 0.5, 2.5], 'relu() leaves its input alone');
    assert.equal(t.relu_(), t);
    assert.deepEqual(t.toArray(), [0, 0, 0.5, 2.5]);
    const s = torch.tensor([4, 9, 0.25]);
    assert.equal(s.sqrt_(), s);
    assert.deepEqual(s.toArray(), [2, 3, 0.5]);
    assert.equal(s.neg_(), s);
    assert.deepEqual(s.toArray(), [-2, -3, -0.5]);
  });

  it('multiplies all elements with prod', () => {
    assert.equal(torch.tensor([[1, 2], [3, 4]]).prod().item(), 24);
    assert.equal(torch.tensor([1.5, -2]).prod().item(), -3);
  });

  it('combines masks with logicalAnd', () => {
    const a = torch.tensor([true, true, false, false]);
    const b = torch.tensor([true, false, true, false]);
    assert.deepEqual(a.logicalAnd(b).toArray(), [true, false, false, false]);
    assert.deepEqual(torch.tensor([2, 0]).logicalAnd(torch.tensor([1, 1])).toArray(), [true, false]);
  });
});

describe('in-place indexing', () => {
  it('maskedFill_ writes a value where the mask is true', () => {
    const t = torch.zeros([4]);
    assert.equal(t.maskedFill_(torch.tensor([true, false, false, true]), 9), t);
    assert.deepEqual(t.toArray(), [9, 0, 0, 9]);
  });

  it('indexPut_ writes (or, with accumulate, adds) values at index tensors', () => {
    const t = torch.zeros([2, 3]);
    const rows = torch.tensor([0, 1, 1]);
    const cols = torch.tensor([2, 0, 0]);
    t.indexPut_([rows, cols], torch.tensor([5, 1, 2], { dtype: 'float32' }), true);
    assert.deepEqual(t.toArray(), [[0, 0, 5], [3, 0, 0]], 'accumulate adds both writes to [1, 0]');
    t.indexPut_([torch.tensor([0])], torch.tensor([7], { dtype: 'float32' }));
    assert.deepEqual(t.toArray(), [[7, 7, 7], [3, 0, 0]], 'without accumulate it overwrites, broadcasting');
    t.indexPut_([null, torch.tensor([1])], torch.tensor([4], { dtype: 'float32' }));
    assert.deepEqual(t.toArray(), [[7, 4, 7], [3, 4, 0]], 'null keeps a dimension whole');
  });
});
