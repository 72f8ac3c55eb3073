import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { F, torch } from '../../src/torch/index.js';
import { numParams, resnet18, resnet34, resnet50 } from '../../src/vision/index.js';
import { haveShared, sharedPath } from '../helpers.js';

const builders = { resnet18, resnet34, resnet50 };
const counts = { resnet18: 11_689_512, resnet34: 21_797_672, resnet50: 25_557_032 };

test('resnet18/34/50 produce every key and shape of torchvision state dicts, and nothing else', (t) => {
  if (!haveShared(t, ['fixtures', 'resnet_state_dict_shapes.json'])) return;
  const expected = JSON.parse(readFileSync(sharedPath('fixtures', 'resnet_state_dict_shapes.json'), 'utf8')) as Record<string, Record<string, number[]>>;
  for (const [name, build] of Object.entries(builders)) {
    const model = build();
    const actual = Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, v.shape]));
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected[name]!).sort(), `${name} keys`);
    assert.deepEqual(actual, expected[name], `${name} shapes`);
    model.dispose();
  }
});

test('parameter counts are 11,689,512 / 21,797,672 / 25,557,032', () => {
  for (const [name, build] of Object.entries(builders)) {
    const model = build();
    assert.equal(numParams(model), counts[name as keyof typeof counts], name);
    model.dispose();
  }
});

test('a seeded resnet18 draws exactly the weights torchvision draws with the same seed', (t) => {
  if (!haveShared(t, ['fixtures', 'resnet18_seed0.safetensors'])) return;
  torch.manualSeed(0);
  const model = resnet18();
  const ref = torch.loadSafetensors(sharedPath('fixtures', 'resnet18_seed0.safetensors'));
  const own = model.stateDict();
  for (const [key, value] of Object.entries(ref)) {
    assert.ok(torch.tidy(() => own[key]!.eq(value).all().item() === 1), `${key} differs from torchvision's seed-0 draw`);
  }
  torch.dispose(ref);
  model.dispose();
});

test('children are in torchvision order and the classifier size follows numClasses', () => {
  const model = resnet34({ numClasses: 37 });
  assert.deepEqual(
    model.namedChildren().map(([n]) => n),
    ['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc'],
  );
  assert.deepEqual(model.fc.weight.shape, [37, 512]);
  assert.match(model.toString(), /\(downsample\): Sequential/);
  model.dispose();
});

test('a training forward and backward works with in-place ReLUs and frees its intermediates', () => {
  const before = torch.memory().liveTensors;
  const model = resnet18({ numClasses: 4 });
  const loss = torch.tidy(() => {
    const x = torch.randn([2, 3, 32, 32]);
    const y = torch.tensor([0, 3]);
    const out = model.call(x);
    assert.deepEqual(out.shape, [2, 4]);
    const l = F.crossEntropy(out, y);
    l.backward();
    return l.item();
  });
  assert.ok(Number.isFinite(loss));
  for (const p of model.parameters()) {
    const g = p.grad;
    assert.ok(g, 'every parameter gets a gradient');
    g.dispose();
  }
  model.zeroGrad();
  model.dispose();
  assert.equal(torch.memory().liveTensors, before);
});
