import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nn, torch } from '../../src/torch/index.js';
import { fromSpec, Pipeline, toSpec, type BatchTransform, type ItemTransform } from '../../src/data/index.js';
import {
  AffineAug, augTransforms, createVisionModel, ImageBlock, imagenetStats, IntToFloatTensor, Lighting, Normalize, RandomResizedCrop,
  rebuildVisionModel, registerArch, getArch, Resize, ToTensor,
} from '../../src/vision/index.js';

const roundTrip = <T extends ItemTransform | BatchTransform>(t: T): T => fromSpec<T>(JSON.parse(JSON.stringify(toSpec(t))));

describe('vision transform specs', () => {
  it('every vision transform and ImageBlock rebuilds to the same spec', () => {
    const tfms: (ItemTransform | BatchTransform)[] = [
      Resize(40), Resize([30, 50], { method: 'pad', padMode: 'zeros', kernel: 'lanczos3' }), Resize(20, { method: 'squish' }),
      RandomResizedCrop(24, { minScale: 0.35, ratio: [0.8, 1.25], valXtra: 0.2 }),
      IntToFloatTensor({ div: 100 }), ToTensor(), Normalize.fromStats(...imagenetStats), Lighting({ maxLighting: 0.3, pLighting: 0.5 }),
      ...augTransforms({ size: [32, 48], minScale: 0.6, mult: 2, flipVert: true, padMode: 'zeros', mode: 'nearest', alignCorners: false }),
    ];
    for (const t of tfms) assert.deepEqual(toSpec(roundTrip(t)), toSpec(t), t.name);
    assert.deepEqual(toSpec(fromSpec(toSpec(ImageBlock()))), { type: 'ImageBlock', options: {} });
    const resize = toSpec(Resize([30, 50], { method: 'pad', padMode: 'zeros', kernel: 'lanczos3' }));
    assert.deepEqual(resize.options, { size: [30, 50], method: 'pad', padMode: 'zeros', kernel: 'lanczos3' });
    const aug = roundTrip(AffineAug({ maxRotate: 10, maxWarp: 0.2, mult: 2 }));
    assert.equal(aug.options.maxRotate, 20, 'mult is applied once, not again on rebuild');
    assert.equal(aug.options.maxWarp, 0.4);
  });

  it('a rebuilt augmentation draws and resamples the same, in training and validation', () => {
    const original = augTransforms({ size: 24, minScale: 0.5, maxLighting: 0.4 });
    const rebuilt = original.map(roundTrip);
    const pipeline = Pipeline.create([ImageBlock()]);
    torch.manualSeed(3);
    torch.tidy(() => {
      const x = torch.rand([4, 3, 32, 40]);
      for (const split of ['train', 'valid'] as const) {
        const run = (tfms: BatchTransform[]) => {
          const ctx = pipeline.batchContext(split, 11, 0, 0); // same seed: same draws
          return tfms.reduce((b, t) => t.apply(b, ctx), [x])[0]!;
        };
        const [a, b] = [run(original), run(rebuilt)];
        assert.deepEqual(a.shape, [4, 3, 24, 24]);
        assert.equal(a.sub(b).abs().max().item(), 0, split);
      }
    });
  });

  it('a VisionModel remembers how it was built; rebuildVisionModel makes the same shapes', async () => {
    const options = { pretrained: false, concatPool: false, linFtrs: [16, 8], ps: [0.1, 0.2, 0.3], bnFinal: true, firstBn: false };
    const model = await createVisionModel('mobilenet_v1_0.25', 5, options);
    const config = model.exportConfig();
    assert.deepEqual(config, {
      arch: 'mobilenet_v1_0.25', nOut: 5, head: { linFtrs: [16, 8], ps: [0.1, 0.2, 0.3], pool: true, concatPool: false, firstBn: false, bnFinal: true },
    });
    const again = await rebuildVisionModel(JSON.parse(JSON.stringify(config)));
    const shapes = (m: nn.Module) => Object.entries(m.stateDict()).map(([k, t]) => `${k}:${t.shape.join('x')}`);
    assert.deepEqual(shapes(again), shapes(model));
    assert.deepEqual(again.exportConfig(), config);
    model.dispose();
    again.dispose();

    const custom = await createVisionModel('mobilenet_v1_0.25', 2, { pretrained: false, customHead: new nn.Linear(256, 2) });
    assert.throws(() => custom.exportConfig('export m.st'), /export m\.st: this model cannot be exported because it has a custom head/);
    custom.dispose();
    const cutFn = await createVisionModel('mobilenet_v1_0.25', 2, { pretrained: false, cut: (m) => new nn.Sequential(...(m.children().slice(0, -4) as nn.Layer[])) });
    assert.throws(() => cutFn.exportConfig(), /cut by a function/);
    cutFn.dispose();
    const unregistered = { ...getArch('mobilenet_v1_0.25'), name: 'my_mobilenet' };
    const byHand = await createVisionModel(unregistered, 2, { pretrained: false });
    assert.throws(() => byHand.exportConfig(), /'my_mobilenet' was given as a spec that is not registered; register it with registerArch/);
    byHand.dispose();
    registerArch(unregistered);
    const registered = await createVisionModel('my_mobilenet', 2, { pretrained: false });
    assert.equal(registered.exportConfig().arch, 'my_mobilenet');
    registered.dispose();
    await assert.rejects(rebuildVisionModel({ ...config, nOut: 0 }), /nOut must be a positive integer/);
    await assert.rejects(rebuildVisionModel({ ...config, arch: 'resnet999' }), /unknown architecture 'resnet999'; known: resnet18/);
  });
});
