import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../src/torch/index.js';
import { errorRate, loadLearner, visionLearner } from '../../src/learner/index.js';
import {
  createVisionModel, getArch, ImageDataLoaders, mnistStats, Normalize, numParams, Resize, SIMPLE_CNN_WIDTHS, SimpleCNN, simpleCnn, VisionModel,
} from '../../src/vision/index.js';
import { tempDir, writeClassImages } from '../data/fixtures.js';

describe('simple_cnn', () => {
  it('maps 28 px images to class scores through four stride-2 blocks', () => {
    const model = simpleCnn({ numClasses: 7 });
    try {
      assert.ok(model instanceof SimpleCNN);
      assert.equal(model.numFeatures, SIMPLE_CNN_WIDTHS.at(-1));
      torch.tidy(() => {
        const x = torch.randn([3, 3, 28, 28]);
        assert.deepEqual(model.eval().call(x).shape, [3, 7]);
        // The features before the pool: 28 -> 14 -> 7 -> 4 -> 2.
        const features = model.slice(0, -3).call(x);
        assert.deepEqual(features.shape, [3, SIMPLE_CNN_WIDTHS.at(-1), 2, 2]);
      });
    } finally {
      model.dispose();
    }
  });

  it('is registered with its cut, width and stats, and has no pretrained weights', () => {
    const spec = getArch('simple_cnn');
    assert.equal(spec.nf, SIMPLE_CNN_WIDTHS.at(-1));
    assert.equal(spec.cut, -3);
    assert.equal(spec.stats, mnistStats);
    assert.equal(spec.weights, undefined);
    assert.throws(() => spec.create({ pretrained: true, numClasses: 1000 }), /simple_cnn: no pretrained weights are registered/);
  });

  it('gets fastai\'s head and three parameter groups holding every parameter once', async () => {
    torch.manualSeed(0);
    const model = await createVisionModel('simple_cnn', 10, { pretrained: false });
    try {
      assert.ok(model instanceof VisionModel);
      // Body: stem + 4 blocks; the concat-pooled head doubles the body's width.
      assert.equal(model.body.length, 1 + SIMPLE_CNN_WIDTHS.length);
      torch.tidy(() => assert.deepEqual(model.eval().call(torch.randn([2, 3, 28, 28])).shape, [2, 10]));
      const groups = model.paramGroups();
      assert.equal(groups.length, 3);
      const all = groups.flat();
      assert.equal(new Set(all).size, all.length, 'no parameter in two groups');
      assert.equal(all.length, model.parameters().length, 'every parameter in a group');
      assert.deepEqual(groups[2], model.head.parameters());
      assert.ok(numParams(model) < 1_000_000, `small: ${numParams(model)} parameters`);
    } finally {
      model.dispose();
    }
  });

  it('trains from scratch unfrozen, and export -> loadLearner predicts the same', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(join(dir, 'data'), ['a', 'b', 'c'], 4, 'train');
    const valid = await writeClassImages(join(dir, 'data'), ['a', 'b', 'c'], 2, 'valid');
    const dls = await ImageDataLoaders.fromFolder(join(dir, 'data'), {
      itemTfms: Resize(28), batchTfms: [Normalize.fromStats(...mnistStats)], bs: 4, device: 'cpu',
    });
    torch.manualSeed(1);
    const learn = await visionLearner(dls, 'simple_cnn', { pretrained: false, metrics: [errorRate], quiet: true, path: dir });
    // From scratch nothing is frozen: every group trains.
    assert.ok(learn.model.parameters().every((p) => p.requiresGrad));
    await learn.fit(1, 1e-3);
    const file = learn.export(join(dir, 'simple.safetensors'));
    const loaded = await loadLearner(file, { device: 'cpu' });
    assert.ok(loaded.model instanceof VisionModel);
    assert.equal((loaded.model as VisionModel).arch.name, 'simple_cnn');
    learn.model.eval();
    for (const item of valid) {
      const [a, b] = [await learn.predict(item), await loaded.predict(item)];
      assert.equal(b.label, a.label, item);
      for (let i = 0; i < a.probs.length; i++) assert.ok(Math.abs(a.probs[i]! - b.probs[i]!) < 1e-5, `${item}: ${a.probs} vs ${b.probs}`);
    }
    loaded.model.dispose();
    learn.model.dispose();
  });
});
