import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nn, type Tensor, torch } from '../../src/torch/index.js';
import {
  AdaptiveConcatPool2d, createBody, createHead, createVisionModel, mobilenetV1, numFeaturesModel, numParams, resnet34,
} from '../../src/vision/index.js';
import { assertClose } from '../helpers.js';

const typeNames = (m: nn.Module) => m.children().map((c) => c.constructor.name);

test('AdaptiveConcatPool2d stacks max pooling then average pooling', () => {
  const pool = new AdaptiveConcatPool2d();
  torch.tidy(() => {
    const x = torch.arange(8, undefined, 1, { dtype: 'float32' }).reshape([1, 2, 2, 2]);
    const out = pool.call(x);
    assert.deepEqual(out.shape, [1, 4, 1, 1]);
    assertClose(out.flatten().toTypedArray() as Float32Array, [3, 7, 1.5, 5.5]);
  });
});

test("createHead builds fastai's layers with its defaults", () => {
  const head = createHead(512, 37);
  assert.deepEqual(typeNames(head), ['AdaptiveConcatPool2d', 'Flatten', 'BatchNorm1d', 'Dropout', 'Linear', 'ReLU', 'BatchNorm1d', 'Dropout', 'Linear']);
  const [, , bn1, drop1, lin1, , , drop2, lin2] = head.children() as [nn.Module, nn.Module, nn.BatchNorm1d, nn.Dropout, nn.Linear, nn.Module, nn.BatchNorm1d, nn.Dropout, nn.Linear];
  assert.equal(bn1.numFeatures, 1024);
  assert.equal(drop1.p, 0.25);
  assert.equal(drop2.p, 0.5);
  assert.deepEqual([lin1.inFeatures, lin1.outFeatures, lin1.bias], [1024, 512, null]);
  assert.deepEqual([lin2.inFeatures, lin2.outFeatures, lin2.bias], [512, 37, null]);
  assert.equal(torch.tidy(() => bn1.bias!.eq(1e-3).all().item()), 1, 'BatchNorm bias 1e-3');
  assert.equal(torch.tidy(() => bn1.weight!.eq(1).all().item()), 1, 'BatchNorm weight 1');
  assert.equal(numParams(head), 546_304);
  head.dispose();
});

test('createHead options: no concat pooling, custom features and dropouts, final BatchNorm, activation', () => {
  const head = createHead(256, 5, { concatPool: false, linFtrs: [128, 64], ps: [0.1, 0.2, 0.3], firstBn: false, bnFinal: true, lastActivation: new nn.ReLU() });
  assert.deepEqual(typeNames(head), [
    'AdaptiveAvgPool2d', 'Flatten', 'Dropout', 'Linear', 'ReLU', 'BatchNorm1d', 'Dropout', 'Linear', 'ReLU', 'BatchNorm1d', 'Dropout', 'Linear', 'BatchNorm1d', 'ReLU',
  ]);
  const first = head.at(3) as nn.Linear;
  assert.deepEqual([first.inFeatures, first.outFeatures, first.bias !== null], [256, 128, true], 'a Linear without a BatchNorm before it keeps its bias');
  assert.throws(() => createHead(8, 2, { ps: [0.1, 0.2, 0.3] }), /ps has 3 values for 2 linear layers/);
  head.dispose();
});

test('vision models: resnet34 head has 546,304 parameters for 37 classes, resnet50 2,125,312', async () => {
  for (const [arch, count] of [['resnet34', 546_304], ['resnet50', 2_125_312]] as const) {
    const model = await createVisionModel(arch, 37, { pretrained: false });
    assert.equal(numParams(model.head), count, arch);
    model.dispose();
  }
});

test("the head is initialised as fastai's: kaiming-normal linear weights, BatchNorm weight 1 and bias 1e-3", async () => {
  torch.manualSeed(0);
  const model = await createVisionModel('resnet34', 37, { pretrained: false });
  const lin = (model.head as nn.Sequential).at(4) as nn.Linear;
  // kaiming normal (fan_in 1024, gain sqrt 2): std sqrt(2/1024) ~ 0.0442, far from PyTorch's default uniform (std ~ 0.018)
  const std = torch.tidy(() => lin.weight.std().item());
  assert.ok(Math.abs(std - Math.sqrt(2 / 1024)) < 0.002, `std ${std}`);
  for (const bn of model.head.modules().filter((m) => m instanceof nn.BatchNorm1d) as nn.BatchNorm1d[]) {
    assert.equal(torch.tidy(() => bn.bias!.sub(1e-3).abs().max().item()) < 1e-9, true);
    assert.equal(torch.tidy(() => bn.weight!.eq(1).all().item()), 1);
  }
  model.dispose();
});

test('the 3 parameter groups of a resnet34 vision model partition all parameters exactly once', async () => {
  const model = await createVisionModel('resnet34', 37, { pretrained: false });
  const groups = model.paramGroups();
  assert.equal(groups.length, 3);
  const seen = new Map<Tensor, number>();
  for (const g of groups) for (const p of g) seen.set(p, (seen.get(p) ?? 0) + 1);
  const all = model.parameters();
  assert.equal(seen.size, all.length, 'every parameter is in a group');
  assert.ok(all.every((p) => seen.get(p) === 1), 'no parameter is in two groups');
  assert.equal(groups.flat().length, all.length);
  // body[:6] is conv1, bn1, relu, maxpool, layer1, layer2; body[6:] is layer3, layer4
  const body = model.body;
  assert.deepEqual(groups[0], body.slice(0, 6).parameters());
  assert.deepEqual(groups[1], body.slice(6).parameters());
  assert.deepEqual(groups[2], model.head.parameters());
  assert.equal(groups[0]![0], body.at(0).parameters()[0], 'the first group starts with conv1');
  model.dispose();
});

test("vision model keys are fastai's (0.* body, 1.* head) and the model classifies", async () => {
  const model = await createVisionModel('resnet34', 3, { pretrained: false });
  const keys = Object.keys(model.stateDict());
  assert.equal(keys[0], '0.0.weight');
  assert.ok(keys.includes('0.4.0.conv1.weight') && keys.includes('0.7.2.bn2.running_var') && keys.includes('1.8.weight'));
  assert.ok(!keys.some((k) => k.includes('fc.')), 'the ImageNet classifier is gone');
  model.eval();
  const out = torch.tidy(() => torch.noGrad(() => model.call(torch.randn([2, 3, 64, 64])).shape));
  assert.deepEqual(out, [2, 3]);
  model.dispose();
});

test('createBody cuts at an index, a function, or by default before the last pooling child', () => {
  const net = resnet34();
  const byDefault = createBody(net);
  assert.deepEqual(typeNames(byDefault), ['Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d', 'Sequential', 'Sequential', 'Sequential', 'Sequential']);
  assert.equal(createBody(net, -2).length, 8);
  assert.equal(createBody(net, 5).length, 5);
  assert.equal(createBody(net, (m) => new nn.Sequential(m.children()[0] as nn.Layer)).length, 1);
  assert.equal(byDefault.parameters()[0], net.conv1.weight, 'the body shares the model parameters');
  assert.equal(numFeaturesModel(createBody(net, 7)), 256);
  net.dispose();
});

test('mobilenet vision models: width 256 for 0.25, three groups split at stride 16, custom cut measured', async () => {
  const model = await createVisionModel('mobilenet_v1_0.25', 10, { pretrained: false });
  assert.equal(((model.head as nn.Sequential).at(2) as nn.BatchNorm1d).numFeatures, 512);
  assert.equal(model.body.length, 81);
  const groups = model.paramGroups();
  assert.equal(groups.length, 3);
  assert.equal(groups.flat().length, model.parameters().length);
  assert.equal(groups[1]![0], (model.body.at(33) as nn.Conv2d).weight, 'group 2 starts at conv_dw_6');
  model.dispose();
  const cut = await createVisionModel('mobilenet_v1_0.25', 10, { pretrained: false, cut: 3 + 6 * 6 });
  assert.equal(((cut.head as nn.Sequential).at(2) as nn.BatchNorm1d).numFeatures, 2 * 128, 'features measured by a dummy forward');
  cut.dispose();
  const standalone = mobilenetV1({ alpha: 0.25 });
  assert.equal(numFeaturesModel(createBody(standalone)), 256);
  standalone.dispose();
});
