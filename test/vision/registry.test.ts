import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archNames, getArch, imagenetStats, inceptionStats, MobileNetV1, numParams, registerArch, ResNet, WEIGHTS } from '../../src/vision/index.js';

test('architectures are addressable by name', () => {
  for (const name of ['resnet18', 'resnet34', 'resnet50', 'mobilenet_v1_0.25', 'mobilenet_v1_0.5', 'mobilenet_v1_0.75', 'mobilenet_v1_1.0']) {
    assert.ok(archNames().includes(name), name);
    assert.equal(getArch(name).name, name);
  }
  assert.throws(() => getArch('resnet19'), /unknown architecture 'resnet19'; known: resnet18, resnet34, .*mobilenet_v1_1\.0/);
});

test('metadata: body width, cut, normalisation stats and weights sources', () => {
  assert.deepEqual(['resnet18', 'resnet34', 'resnet50'].map((n) => getArch(n).nf), [512, 512, 2048]);
  assert.deepEqual(['0.25', '0.5', '0.75', '1.0'].map((a) => getArch(`mobilenet_v1_${a}`).nf), [256, 512, 768, 1024]);
  assert.equal(getArch('resnet34').cut, -2);
  assert.equal(getArch('resnet34').stats, imagenetStats);
  assert.deepEqual(imagenetStats, [[0.485, 0.456, 0.406], [0.229, 0.224, 0.225]]);
  assert.deepEqual(getArch('mobilenet_v1_0.75').stats, inceptionStats);
  assert.deepEqual(inceptionStats, [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
  const r34 = getArch('resnet34').weights!;
  assert.equal(r34.url, 'https://huggingface.co/timm/resnet34.tv_in1k/resolve/main/model.safetensors');
  assert.match(r34.sha256!, /^[0-9a-f]{64}$/);
  assert.equal(getArch('mobilenet_v1_0.25').weights, WEIGHTS['mobilenet_v1_0.25']);
  assert.equal(getArch('mobilenet_v1_0.25').weights!.url, undefined, 'not downloadable');
  assert.equal(getArch('mobilenet_v1_1.0').weights, undefined);
});

test('create() builds the named architecture; mobilenet names fix alpha', () => {
  const r = getArch('resnet18').create({ numClasses: 3 });
  assert.ok(r instanceof ResNet);
  assert.equal(numParams(r), 11_689_512 - 997 * 513);
  r.dispose();
  const m = getArch('mobilenet_v1_0.5').create();
  assert.ok(m instanceof MobileNetV1);
  assert.equal(m.alpha, 0.5);
  m.dispose();
});

test('registerArch adds a custom architecture', () => {
  const spec = { ...getArch('resnet18'), name: 'my_resnet', description: 'resnet18 under another name' };
  registerArch(spec);
  assert.equal(getArch('my_resnet'), spec);
});
