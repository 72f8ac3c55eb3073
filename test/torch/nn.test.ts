import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, nn, type Tensor, torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';

class Block extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(3, 4, 3, { bias: false }));
  bn = this.registerModule('bn', new nn.BatchNorm2d(4));
  forward(x: Tensor): Tensor {
    return torch.tidy(() => F.relu(this.bn.call(this.conv.call(x))));
  }
}

describe('nn.Module', () => {
  it('names parameters and buffers with PyTorch keys', () => {
    const net = new nn.Sequential(new Block(), new nn.Flatten(), new nn.Linear(4 * 6 * 6, 2));
    assert.deepEqual(net.namedParameters().map(([n]) => n), ['0.conv.weight', '0.bn.weight', '0.bn.bias', '2.weight', '2.bias']);
    assert.deepEqual(net.namedBuffers().map(([n]) => n), ['0.bn.running_mean', '0.bn.running_var', '0.bn.num_batches_tracked']);
    assert.deepEqual(Object.keys(net.stateDict()), [
      '0.conv.weight', '0.bn.weight', '0.bn.bias', '0.bn.running_mean', '0.bn.running_var', '0.bn.num_batches_tracked', '2.weight', '2.bias',
    ]);
    assert.ok(net.parameters().every((p) => p.requiresGrad));
    assert.deepEqual(net.call(torch.randn([2, 3, 8, 8])).shape, [2, 2]);
  });

  it('switches train/eval recursively, and BatchNorm and Dropout follow it', () => {
    const bn = new nn.BatchNorm2d(2, { momentum: 0.5 });
    const net = new nn.Sequential(bn, new nn.Dropout(0.5));
    torch.manualSeed(0);
    const x = torch.randn([8, 2, 3, 3]).mul(3).add(1);
    const y = net.call(x);
    assert.equal(bn.numBatchesTracked!.item(), 1);
    // running = 0.5 * init + 0.5 * batch statistics (unbiased variance)
    const mean = x.mean([0, 2, 3]);
    assertClose(bn.runningMean!.toTypedArray() as Float32Array, mean.mul(0.5).toTypedArray() as Float32Array, { rtol: 1e-5 });
    const varU = x.transpose(0, 1).flatten(1).var(1);
    assertClose(bn.runningVar!.toTypedArray() as Float32Array, varU.mul(0.5).add(0.5).toTypedArray() as Float32Array, { rtol: 1e-5 });
    assert.ok(y.eq(0).sum().item() > 0, 'dropout zeroed nothing in training mode');
    net.eval();
    assert.equal(bn.training, false);
    const z = net.call(x);
    const expected = x.sub(bn.runningMean!.view(1, 2, 1, 1)).div(bn.runningVar!.add(1e-5).sqrt().view(1, 2, 1, 1));
    assertClose(z.toTypedArray() as Float32Array, expected.toTypedArray() as Float32Array, { atol: 1e-5 });
    assert.equal(bn.numBatchesTracked!.item(), 1);
  });

  it('slices a Sequential keeping the original child names, as PyTorch', () => {
    const s = new nn.Sequential(new nn.ReLU(), new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 3));
    const tail = s.slice(2);
    assert.deepEqual(tail.namedParameters().map(([n]) => n), ['3.weight', '3.bias']);
    assert.equal(tail.at(1), s.at(3));
    assert.equal(s.length, 4);
    assert.throws(() => s.at(9), /index 9 is out of range for 4 layers/);
    const named = nn.Sequential.fromNamed({ fc: new nn.Linear(1, 1) });
    assert.deepEqual(Object.keys(named.stateDict()), ['fc.weight', 'fc.bias']);
  });

  it('loads a state dict, copying values in place', () => {
    const a = new nn.Linear(3, 2);
    const b = new nn.Linear(3, 2);
    const w = b.weight;
    const res = b.loadStateDict(a.stateDict());
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    assert.equal(b.weight, w);
    assert.deepEqual(b.weight.toArray(), a.weight.toArray());
    assert.equal(b.weight.requiresGrad, true);
  });

  it('names the key and both shapes when loading fails, and reports keys when not strict', () => {
    const m = new nn.Linear(3, 2);
    const wrongShape = { weight: torch.zeros([2, 4]), bias: torch.zeros([2]) };
    assert.throws(() => m.loadStateDict(wrongShape), /size mismatch for weight: copying a param with shape \[2, 4\] from checkpoint, the shape in current model is \[2, 3\]/);
    assert.throws(() => m.loadStateDict(wrongShape, { strict: false }), /size mismatch for weight/);
    assert.throws(() => m.loadStateDict({ weight: torch.zeros([2, 3]) }), /Missing key\(s\) in state_dict: "bias"/);
    assert.throws(() => m.loadStateDict({ weight: torch.zeros([2, 3]), bias: torch.zeros([2]), extra: torch.zeros([1]) }), /Unexpected key\(s\) in state_dict: "extra"/);
    const res = m.loadStateDict({ weight: torch.ones([2, 3]), extra: torch.zeros([1]) }, { strict: false });
    assert.deepEqual(res, { missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    assert.deepEqual(m.weight.toArray(), [[1, 1, 1], [1, 1, 1]]);
  });

  it('accepts a BatchNorm state dict without num_batches_tracked, as PyTorch does', () => {
    const bn = new nn.BatchNorm2d(3);
    const sd = { weight: torch.ones([3]), bias: torch.zeros([3]), running_mean: torch.full([3], 2), running_var: torch.ones([3]) };
    assert.deepEqual(bn.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(bn.runningMean!.toArray(), [2, 2, 2]);
  });

  it('freezes with requiresGrad_ and frees gradients with zeroGrad', () => {
    const m = new nn.Linear(2, 1);
    F.mseLoss(m.call(torch.ones([1, 2])), torch.zeros([1, 1])).backward();
    assert.ok(m.weight.grad !== null);
    m.zeroGrad();
    assert.equal(m.weight.grad, null);
    m.requiresGrad_(false);
    assert.ok(m.parameters().every((p) => !p.requiresGrad));
  });

  it('converts parameters in place (dtype, memory format), keeping their identity', () => {
    const conv = new nn.Conv2d(2, 4, 3);
    const w = conv.weight;
    conv.to({ dtype: 'float64' });
    assert.equal(conv.weight, w);
    assert.equal(w.dtype, 'float64');
    conv.to({ dtype: 'float32', memoryFormat: 'channelsLast' });
    assert.equal(w.isChannelsLast(), true);
    assert.equal(w.requiresGrad, true);
    const bn = new nn.BatchNorm2d(2).to({ dtype: 'float64' });
    assert.equal(bn.numBatchesTracked!.dtype, 'int64');
  });

  it('prints the module tree like PyTorch', () => {
    const s = new nn.Sequential(new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }), new nn.ReLU(true), new nn.MaxPool2d(3, { stride: 2, padding: 1 }));
    assert.equal(
      s.toString(),
      'Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)\n  (1): ReLU(inplace=True)\n' +
        '  (2): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)\n)',
    );
  });
});

describe('initialisation', () => {
  it("draws Conv2d and Linear weights from PyTorch's default distributions", () => {
    torch.manualSeed(0);
    const conv = new nn.Conv2d(64, 128, 3);
    const fanIn = 64 * 9;
    const bound = 1 / Math.sqrt(fanIn); // kaiming_uniform(a=sqrt(5)) gives sqrt(6/((1+5)*fanIn)) = 1/sqrt(fanIn)
    const w = conv.weight;
    assert.ok(w.abs().max().item() <= bound);
    assertClose(w.std().item(), bound / Math.sqrt(3), { rtol: 0.02 });
    assert.ok(conv.bias!.abs().max().item() <= bound);
    const lin = new nn.Linear(100, 50);
    assert.ok(lin.weight.abs().max().item() <= 0.1);
  });

  it('kaimingNormal_ has std gain/sqrt(fan) and fan_out mode uses the output fan', () => {
    torch.manualSeed(0);
    const t = torch.empty([256, 128]);
    nn.init.kaimingNormal_(t, { nonlinearity: 'relu' });
    assertClose(t.std().item(), Math.sqrt(2 / 128), { rtol: 0.02 });
    nn.init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' });
    assertClose(t.std().item(), Math.sqrt(2 / 256), { rtol: 0.02 });
    nn.init.ones_(t);
    assert.equal(t.mean().item(), 1);
    nn.init.zeros_(t);
    assert.equal(t.abs().sum().item(), 0);
  });

  it('is reproducible with manualSeed', () => {
    torch.manualSeed(5);
    const a = new nn.Linear(4, 4).weight.toArray();
    torch.manualSeed(5);
    assert.deepEqual(new nn.Linear(4, 4).weight.toArray(), a);
  });
});
