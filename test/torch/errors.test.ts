import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, nn, torch } from '../../src/index.js';
import { aten } from '../../src/torch/aten.js';
import { native } from '../../src/torch/native.js';
import { call } from '../../src/torch/tensor.js';

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

  it('refuses a non-integer where an integer belongs, naming the operator, argument and value', () => {
    const t = torch.arange(6);
    assert.throws(() => t.narrow(0, 0, 2.7), { name: 'TypeError', message: "aten::narrow: argument 'length' must be an integer, got 2.7" });
    assert.throws(() => t.view(2.9, 3), { name: 'TypeError', message: "aten::view: argument 'size' must be an array of integers, got 2.9 at index 0" });
    assert.throws(() => t.select(0, NaN), /aten::select.int: argument 'index' must be an integer, got NaN/);
    assert.throws(() => t.select(0, Infinity), /argument 'index' must be an integer, got Infinity/);
    assert.throws(() => t.sum([0.5]), /aten::sum.dim_IntList: argument 'dim' must be an array of integers, got 0.5 at index 0/);
    // Booleans are not integers, and BigInts must fit in int64.
    assert.throws(() => t.narrow(0, 0, true as unknown as number), /argument 'length' must be an integer, got true/);
    assert.throws(() => t.view([2n ** 64n as unknown as number]), /must be an array of integers, got 18446744073709551616n at index 0/);
    // Integral values still work, as numbers or BigInts.
    assert.deepEqual(t.narrow(0, 1, 2).toArray(), [1, 2]);
    assert.deepEqual(t.view([2n as unknown as number, 3]).shape, [2, 3]);
  });

  it('refuses a shape with a fraction or a negative size in tensor()', () => {
    assert.throws(() => torch.tensor([1, 2], [2.5]), { name: 'TypeError', message: 'tensor(): shape[0] must be a non-negative integer, got 2.5' });
    assert.throws(() => torch.tensor(new Float32Array(2), [-2]), /shape\[0\] must be a non-negative integer, got -2/);
  });

  it('refuses non-booleans in a list of booleans instead of coercing them', () => {
    const x = torch.ones([2, 2]);
    const bnBackward = aten('native_batch_norm_backward');
    const args = [x._h, x._h, null, null, null, null, null, true, 1e-5];
    assert.throws(() => call(bnBackward, ...args, [1, 1, 1]), /aten::native_batch_norm_backward: argument 'output_mask' must be an array of booleans, got 1 at index 0/);
    assert.throws(() => call(bnBackward, ...args, [true, 'yes', true]), /got 'yes' at index 1/);
  });

  it('turns a failed CPU allocation into an error that says how much and what to change', () => {
    // 2^48 float32 elements: 2^50 bytes, which no machine can allocate.
    let caught: unknown;
    try {
      torch.empty([2 ** 48]);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof Error, 'the allocation must raise, not abort');
    assert.match(caught.message, /not enough memory: libtorch tried to allocate 1125899\.9 GB \(1125899906842624 bytes\) on the CPU/);
    assert.match(caught.message, /Use a smaller batch size/);
    assert.equal((caught as { code?: string }).code, 'ERR_OUT_OF_MEMORY');
    assert.equal((caught as { requestedBytes?: number }).requestedBytes, 2 ** 50);
    assert.equal(torch.ones([2]).sum().item(), 2, 'the engine still works afterwards');
  });

  it('turns C++ exceptions from every entry point into JavaScript errors', () => {
    // Each of these threw a C++ exception outside any handler before, which ends the process.
    const sparse = call(aten('to_sparse'), torch.eye(2)._h);
    assert.throws(() => sparse.dataPtr(), /Cannot access data pointer of Tensor that doesn't have storage/);
    assert.throws(() => native.setNumThreads(0), /Expected positive number of threads/);
    // A standard-library exception (std::invalid_argument), not a c10::Error.
    assert.throws(() => native.fromData(new Float32Array(1), [1], 999, 6), /unknown dtype code 999/);
    sparse.dispose();
  });
});
