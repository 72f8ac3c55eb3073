import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { type Tensor, torch } from '../../src/torch/index.js';
import { mobilenetV1, resnet18 } from '../../src/vision/index.js';
import { haveShared, readF32, relativeL2, sharedPath } from '../helpers.js';

const INPUT = ['fixtures', 'input_1x3x224x224.f32'];
const input = () => torch.tensor(readF32(sharedPath(...INPUT)), [1, 3, 224, 224]);

function logitsOf(model: { call(x: Tensor): Tensor }, x: Tensor): Float32Array {
  return torch.tidy(() => torch.noGrad(() => model.call(x).toTypedArray() as Float32Array));
}

test('resnet18 loaded from the seed-0 checkpoint reproduces torchvision logits (rel L2 < 1e-4)', (t) => {
  if (!haveShared(t, INPUT, ['fixtures', 'resnet18_seed0.safetensors'], ['fixtures', 'resnet18_seed0.logits.f32'])) return;
  const before = torch.memory().liveTensors;
  const model = resnet18({ weights: sharedPath('fixtures', 'resnet18_seed0.safetensors') }).eval();
  const x = input();
  const err = relativeL2(logitsOf(model, x), readF32(sharedPath('fixtures', 'resnet18_seed0.logits.f32')));
  assert.ok(err < 1e-4, `relative L2 error ${err}`);
  x.dispose();
  model.dispose();
  assert.equal(torch.memory().liveTensors, before, 'no tensor leaked');
});

for (const alpha of [0.25, 0.75]) {
  test(`mobilenetV1 ${alpha} with the Keras weights reproduces their logits (rel L2 < 1e-4)`, (t) => {
    const file = ['models', `mobilenet_v1_${alpha}_224.safetensors`];
    const logits = ['fixtures', `mobilenet_v1_${alpha}_224.logits.f32`];
    if (!haveShared(t, INPUT, file, logits)) return;
    const model = mobilenetV1({ alpha, weights: sharedPath(...file) }).eval();
    const x = input();
    const err = relativeL2(logitsOf(model, x), readF32(sharedPath(...logits)));
    assert.ok(err < 1e-4, `relative L2 error ${err}`);
    x.dispose();
    model.dispose();
  });
}

test('mobilenetV1 0.75 classifies beagle_107.jpg as a beagle', async (t) => {
  const image = ['data', 'pets', 'beagle_107.jpg'];
  if (!haveShared(t, image, ['models', 'mobilenet_v1_0.75_224.safetensors'], ['models', 'imagenet_labels.json'])) return;
  const { labels } = JSON.parse(readFileSync(sharedPath('models', 'imagenet_labels.json'), 'utf8')) as { labels: string[] };
  // 224x224 bilinear (aspect not kept), then x/127.5 - 1 as the Keras model expects.
  const { data, info } = await sharp(sharedPath(...image)).removeAlpha().resize(224, 224, { fit: 'fill', kernel: 'linear' }).raw()
    .toBuffer({ resolveWithObject: true });
  const model = mobilenetV1({ alpha: 0.75, weights: sharedPath('models') }).eval();
  const [top, prob] = torch.tidy(() => torch.noGrad(() => {
    const x = torch.tensor(data, [info.height, info.width, 3]).permute(2, 0, 1).unsqueeze(0).float().div(127.5).sub(1);
    const p = model.call(x).softmax(1);
    const { values, indices } = p.max(1);
    return [indices.item(), values.item()];
  }));
  model.dispose();
  assert.equal(labels[top!], 'beagle', `top-1 was '${labels[top!]}' (${prob})`);
  assert.ok(prob! > 0.5, `beagle probability ${prob}`);
});
