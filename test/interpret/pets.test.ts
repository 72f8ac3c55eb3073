/**
 * ClassificationInterpretation on the shared pets (37 breeds, 74 validation photos) with the
 * pretrained MobileNet v1 0.75 body and a fresh head (no training: the numbers only have to
 * agree with each other). Skipped with a message when ../shared is missing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ClassificationInterpretation, errorRate, setSeed, torch, visionLearner } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { petsBlock } from '../pets-block.js';
import { haveShared, sharedPath } from '../helpers.js';

describe('pets interpretation (shared data)', () => {
  it('a 37x37 matrix over the 74 validation photos whose trace agrees with the error rate; both plots draw', async (t) => {
    if (!haveShared(t, ['data', 'pets'], ['models', 'mobilenet_v1_0.75_224.safetensors'])) return;
    setSeed(42);
    const block = petsBlock(128);
    const dls = await block.dataloaders(sharedPath('data', 'pets'), { bs: 32 });
    const learn = await visionLearner(dls, 'mobilenet_v1_0.75', { weights: sharedPath('models'), quiet: true });
    const interp = await ClassificationInterpretation.fromLearner(learn);
    const cm = interp.confusionMatrix();
    assert.equal(cm.length, 37);
    assert.ok(cm.every((r) => r.length === 37));
    const n = learn.dls.valid.n;
    assert.equal(n, 74);
    assert.equal(cm.flat().reduce((a, b) => a + b, 0), n);
    const { preds, targs } = await learn.getPreds();
    const err = torch.tidy(() => errorRate(preds, targs!).item());
    torch.dispose([preds, targs]);
    const trace = cm.reduce((a, r, i) => a + r[i]!, 0);
    assert.ok(Math.abs(trace / n - (1 - err)) < 1e-6, `trace/n ${trace / n} vs 1 - error ${1 - err}`); // errorRate is float32
    assert.equal(interp.classificationReport().accuracy, trace / n);

    const dir = tempDir(t);
    const cmPng = await interp.plotConfusionMatrix({ file: join(dir, 'cm.png') });
    const cmMeta = await sharp(cmPng).metadata();
    assert.ok(cmMeta.width! >= 37 * 22 && cmMeta.height! >= 37 * 22, `37 classes: ${cmMeta.width}x${cmMeta.height}`);
    const top = await interp.plotTopLosses(9, { file: join(dir, 'top.png') });
    const topMeta = await sharp(top).metadata();
    assert.ok(topMeta.width! >= 3 * 192 && topMeta.height! >= 3 * 192, `3x3 grid: ${topMeta.width}x${topMeta.height}`);
  });
});
