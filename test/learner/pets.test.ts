/**
 * The end-to-end recipe on ../shared/data/pets (370 photos, 37 breeds): pretrained
 * MobileNet v1 0.75, item Resize(192), augTransforms(160, minScale 0.75), bs 16, seed 42.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { augTransforms, errorRate, type Learner, loadLearner, setSeed, torch, visionLearner } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { petsBlock } from '../pets-block.js';
import { assertClose, haveShared, sharedPath } from '../helpers.js';

async function petsLearner(pretrained: boolean, path: string): Promise<Learner> {
  setSeed(42);
  const block = petsBlock(192, augTransforms({ size: 160, minScale: 0.75 }));
  const dls = await block.dataloaders(sharedPath('data', 'pets'), { bs: 16 });
  return visionLearner(dls, 'mobilenet_v1_0.75', { pretrained, weights: sharedPath('models'), metrics: [errorRate], quiet: true, path });
}

describe('pets fine-tuning (shared data)', () => {
  it('fineTune(4) from pretrained weights: error rate below 0.6; export -> loadLearner -> predict gives the same probabilities', async (t) => {
    if (!haveShared(t, ['data', 'pets'], ['models', 'mobilenet_v1_0.75_224.safetensors'])) return;
    const dir = tempDir(t);
    const learn = await petsLearner(true, dir);
    assert.equal(learn.dls.valid.n, 74);
    assert.ok(learn.dls.pipeline.batchTfms.some((tf) => tf.name === 'Normalize'), 'visionLearner adds the weights\' normalisation');
    await learn.fineTune(4);
    const err = learn.recorder.values.at(-1)![2]!;
    assert.ok(err < 0.6, `error rate ${err}`);

    const { preds } = await learn.getPreds();
    assertClose(torch.tidy(() => preds.sum(1).toArray() as number[]), new Array(74).fill(1), { atol: 1e-5 });
    preds.dispose();

    const png = await learn.showResults();
    assert.equal(png.subarray(1, 4).toString(), 'PNG');

    const file = learn.export();
    assert.equal(file, join(dir, 'export.safetensors'));
    const loaded = await loadLearner(file);
    assert.deepEqual(loaded.dls.vocab, learn.dls.vocab);
    const item = learn.dls.validDs.items[0] as string;
    const a = await learn.predict(item);
    const b = await loaded.predict(item);
    assert.equal(b.label, a.label);
    assertClose(b.probs, a.probs, { atol: 1e-6 });
  });

  it('the same recipe from random weights stays above 0.85 error', async (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const learn = await petsLearner(false, tempDir(t));
    await learn.fineTune(4);
    const err = learn.recorder.values.at(-1)![2]!;
    assert.ok(err > 0.85, `error rate ${err}`);
  });
});
