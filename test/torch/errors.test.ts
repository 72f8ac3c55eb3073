import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, nn, torch } from '../../src/index.js';

describe('bad input raises JavaScript errors with libtorch messages', () => {
  it('reports a matmul shape mismatch', () => {
    assert.throws(() => torch.randn([2, 3]).mm(torch.randn([4, 5])), {
      name: 'Error',
      message: 'mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)',
    });
  });

  it('reports wrong dtypes', () => {
    assert.throws(() => F.crossEntropy(torch.randn([2, 3]), torch.tensor([0.5, 1.5])), /expected scalar type Long but found Float/);
    assert.throws(() => torch.randn([2, 2]).mm(torch.randn([2, 2], { dtype: 'float64' })), /expected (scalar type Float but found Double|.*same dtype)/);
  });

  it('reports convolution shape problems', () => {
    const conv = new nn.Conv2d(3, 4, 3);
    assert.throws(() => conv.call(torch.randn([1, 5, 8, 8])), /expected input\[1, 5, 8, 8\] to have 3 channels, but got 5 channels instead/);
    assert.throws(() => conv.call(torch.randn([1, 3, 2, 2])), /Kernel size can't be greater than actual input size/);
  });

  it('reports an unknown device', () => {
    assert.throws(() => torch.ones([1]).toDevice('tpu'), /Expected one of .* device type at start of device string: tpu/);
  });

  it('reports a missing CUDA instead of crashing', { skip: torch.cuda.isAvailable() ? 'CUDA is available here' : false }, () => {
    assert.throws(() => torch.ones([1]).toDevice('cuda'), /cuda/i);
  });

  it('reports an out-of-range index', () => {
    assert.throws(() => torch.arange(3).select(0, 5), /index 5 out of range for tensor of size \[3\] at dimension 0/);
    assert.throws(() => torch.ones([2]).size(3), /dimension out of range for a 1-d tensor/);
  });

  it('rejects wrong argument types before calling libtorch', () => {
    // @ts-expect-error deliberately wrong: a string where a number belongs
    assert.throws(() => torch.ones([2]).mul('x'), /aten::mul.Tensor: argument 'other' must be a Tensor, got undefined/);
    assert.throws(() => torch.tensor(new Uint16Array(2) as unknown as Float32Array), /Uint16Array/);
    assert.throws(() => torch.manualSeed(-1), /non-negative integer/);
  });

  it('refuses to use a disposed tensor, and says how to keep it', () => {
    const t = torch.ones([2]);
    t.dispose();
    assert.equal(t.isDisposed, true);
    assert.throws(() => t.add(1), /this tensor was disposed .* Return it from tidy\(\), or call torch\.keep\(t\)/);
    assert.throws(() => t.shape, /disposed/);
    assert.equal(t.toString(), 'tensor(<disposed>)');
    t.dispose(); // idempotent
  });

  it('refuses a disposed tensor inside an argument list', () => {
    const a = torch.ones([2]);
    const b = torch.ones([2]);
    b.dispose();
    assert.throws(() => torch.cat([a, b]), /aten::cat: argument 'tensors' \(index 1\): this tensor was disposed/);
  });
});
