import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, nn, torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { smallConvNet, toyBatch } from './toy-net.js';

describe('autocast (bf16 on the CPU)', () => {
  it('runs convolutions and matmuls in bfloat16 and restores the previous state', () => {
    const conv = new nn.Conv2d(3, 4, 3);
    const x = torch.randn([1, 3, 8, 8]);
    assert.equal(torch.isAutocastEnabled('cpu'), false);
    const [y, inner] = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => [conv.call(x), torch.isAutocastEnabled('cpu')] as const);
    assert.equal(inner, true);
    assert.equal(y.dtype, 'bfloat16');
    assert.equal(torch.autocast({}, () => torch.randn([2, 3]).mm(torch.randn([3, 2]))).dtype, 'bfloat16');
    assert.equal(torch.isAutocastEnabled('cpu'), false);
    assert.equal(conv.call(x).dtype, 'float32');
  });

  it('nests, including an enabled: false island', () => {
    torch.autocast({}, () => {
      torch.autocast({ enabled: false }, () => {
        assert.equal(torch.isAutocastEnabled(), false);
        assert.equal(torch.randn([2, 2]).mm(torch.randn([2, 2])).dtype, 'float32');
      });
      assert.equal(torch.isAutocastEnabled(), true);
    });
    assert.equal(torch.isAutocastEnabled(), false);
  });

  it('restores the state when the function throws', () => {
    assert.throws(() => torch.autocast({}, () => { throw new Error('inside'); }), /inside/);
    assert.equal(torch.isAutocastEnabled(), false);
  });

  it('gives a loss close to float32 and float32 gradients for float32 weights', () => {
    torch.manualSeed(0);
    const model = smallConvNet();
    const { x, y } = toyBatch(16);
    const lossF32 = F.crossEntropy(model.call(x), y).item();
    const loss = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => F.crossEntropy(model.call(x), y));
    assert.equal(loss.dtype, 'float32'); // cross-entropy runs in float32 under autocast
    assertClose(loss.item(), lossF32, { rtol: 2e-2 });
    loss.backward();
    for (const p of model.parameters()) assert.equal(p.grad!.dtype, 'float32');
  });
});

describe('activations under bf16 autocast', () => {
  it('relu6 has a backward in bfloat16 (hardtanh has none in libtorch 1.13)', () => {
    const x = torch.randn([4, 8]).mul(5).requiresGrad_();
    const y = torch.autocast({}, () => F.relu6(torch.randn([8, 8]).mm(x.t()).t()));
    assert.equal(y.dtype, 'bfloat16');
    y.float().sum().backward();
    assert.deepEqual(x.grad!.shape, [4, 8]);
    assert.deepEqual(F.relu6(torch.tensor([-1, 3, 9])).toArray(), [0, 3, 6]);
  });
});
