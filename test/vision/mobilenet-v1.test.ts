import assert from 'node:assert/strict';
import { test } from 'node:test';
import { F, torch } from '../../src/torch/index.js';
import { Conv2dSame, MobileNetV1, mobilenetV1, tfSamePadding } from '../../src/vision/index.js';
import { assertClose, haveShared, sharedPath } from '../helpers.js';

test('TF "same" padding is asymmetric at stride 2 on even sizes and symmetric otherwise', () => {
  assert.deepEqual(tfSamePadding(224, 3, 2), [0, 1]);
  assert.deepEqual(tfSamePadding(225, 3, 2), [1, 1]);
  assert.deepEqual(tfSamePadding(7, 3, 1), [1, 1]);
  assert.deepEqual(tfSamePadding(8, 1, 1), [0, 0]);
  assert.deepEqual(tfSamePadding(9, 4, 1), [1, 2]);
});

test('Conv2dSame equals an explicitly padded convolution and keeps ceil(size/stride)', () => {
  torch.manualSeed(1);
  const conv = new Conv2dSame(2, 3, 3, { stride: 2, bias: false });
  for (const [h, w, pad] of [[8, 8, [0, 1, 0, 1]], [9, 8, [0, 1, 1, 1]]] as const) {
    torch.tidy(() => {
      const x = torch.randn([1, 2, h, w]);
      const got = conv.call(x);
      assert.deepEqual(got.shape, [1, 3, Math.ceil(h / 2), Math.ceil(w / 2)]);
      const want = F.conv2d(F.pad(x, [...pad]), conv.weight, null, { stride: 2 });
      assertClose(got.toTypedArray() as Float32Array, want.toTypedArray() as Float32Array);
    });
  }
  conv.dispose();
});

for (const [alpha, count] of [[0.25, 475_544], [0.75, 2_601_976]] as const) {
  test(`mobilenetV1 ${alpha} has exactly the keys and shapes of its weights file (${count.toLocaleString('en')} values)`, (t) => {
    const file = ['models', `mobilenet_v1_${alpha}_224.safetensors`];
    if (!haveShared(t, file)) return;
    const model = mobilenetV1({ alpha });
    const ref = torch.loadSafetensors(sharedPath(...file));
    const own = Object.fromEntries(Object.entries(model.stateDict()).filter(([k]) => !k.endsWith('num_batches_tracked')).map(([k, v]) => [k, v.shape]));
    assert.deepEqual(own, Object.fromEntries(Object.entries(ref).map(([k, v]) => [k, v.shape])));
    assert.equal(Object.values(ref).reduce((n, v) => n + v.numel(), 0), count);
    torch.dispose(ref);
    model.dispose();
  });
}

test('MobileNetV1 uses BatchNorm eps 1e-3, ReLU6 and Keras layer order', () => {
  const model = new MobileNetV1(0.25, 10);
  const names = model.namedChildren().map(([n]) => n);
  assert.deepEqual(names.slice(0, 9), ['conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1', 'conv_dw_1_bn', 'conv_dw_1_relu', 'conv_pw_1', 'conv_pw_1_bn', 'conv_pw_1_relu']);
  assert.deepEqual(names.slice(-4), ['global_pool', 'dropout', 'conv_preds', 'flatten']);
  assert.equal(model.numFeatures, 256);
  assert.ok(model.modules().filter((m) => m.constructor.name === 'BatchNorm2d').every((m) => (m as unknown as { eps: number }).eps === 1e-3));
  assert.match(model.toString(), /ReLU6/);
  model.dispose();
});

test('mobilenetV1 runs on odd image sizes and trains', () => {
  const before = torch.memory().liveTensors;
  const model = mobilenetV1({ alpha: 0.25, numClasses: 3 });
  torch.tidy(() => {
    const out = model.call(torch.randn([2, 3, 33, 33]));
    assert.deepEqual(out.shape, [2, 3]);
    F.crossEntropy(out, torch.tensor([0, 2])).backward();
  });
  const g = model.parameters()[0]!.grad;
  assert.ok(g && torch.tidy(() => g.abs().sum().item()) > 0);
  g.dispose();
  model.dispose();
  assert.equal(torch.memory().liveTensors, before);
});

test('mobilenetV1 trains under bf16 autocast (ReLU6 has a bf16 backward)', () => {
  const model = mobilenetV1({ alpha: 0.25, numClasses: 3 });
  torch.tidy(() => {
    const loss = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => F.crossEntropy(model.call(torch.randn([2, 3, 32, 32])), torch.tensor([0, 2])));
    loss.backward();
    assert.ok(Number.isFinite(loss.item()));
  });
  const g = model.parameters()[0]!.grad;
  assert.ok(g && torch.tidy(() => g.isfinite().all().item()) === 1);
  g.dispose();
  model.dispose();
});
