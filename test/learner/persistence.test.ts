import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errorRate, F, Learner, setSeed, torch } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { assertClose } from '../helpers.js';
import { changed, pointDls, points, snapshot, TinyNet } from './synthetic.js';

async function learner(path: string) {
  setSeed(0);
  return new Learner(await pointDls(), new TinyNet(), { quiet: true, metrics: [errorRate], path });
}

const optValues = (learn: Learner) =>
  Object.fromEntries(Object.entries(learn.opt!.stateDict().tensors).map(([k, t]) => [k, Array.from(t.toTypedArray() as Float32Array)]));

describe('save and load', () => {
  it('round-trips weights and optimizer state through path/models/name.safetensors', async (t) => {
    const dir = tempDir(t);
    const learn = await learner(dir);
    await learn.fit(1, 1e-2);
    const file = learn.save('stage-1');
    assert.equal(file, join(dir, 'models', 'stage-1.safetensors'));
    const weights = snapshot(learn.model);
    const opt = optValues(learn);
    await learn.fit(1, 1e-2);
    assert.notDeepEqual(changed(weights, snapshot(learn.model)), []);
    learn.load('stage-1');
    assert.deepEqual(changed(weights, snapshot(learn.model)), []);
    assert.deepEqual(optValues(learn), opt);

    // a fresh learner continues exactly as the saved one
    const other = await learner(dir);
    other.load('stage-1');
    learn.load('stage-1');
    other.dls.train.epoch = learn.dls.train.epoch; // the same shuffle next
    await learn.fit(1, 1e-2);
    await other.fit(1, 1e-2);
    assert.deepEqual(changed(snapshot(learn.model), snapshot(other.model)), []);
  });

  it('fails clearly: a missing name lists what is there; a plain weights file is not a checkpoint', async (t) => {
    const dir = tempDir(t);
    const learn = await learner(dir);
    learn.save('a', { withOpt: false });
    assert.throws(() => learn.load('b'), /no checkpoint .*b\.safetensors; .*models has a\.safetensors/);
    const plain = join(dir, 'plain.safetensors');
    torch.saveSafetensors(plain, learn.model.stateDict());
    assert.throws(() => learn.load(plain), /is not a fastai-ts checkpoint.*loadStateDict/);
    const other = new Learner(learn.dls, new (class extends TinyNet {})(), { quiet: true, path: dir });
    writeFileSync(join(dir, 'models', 'junk.safetensors'), 'not a file');
    assert.throws(() => other.load('junk'), /junk\.safetensors/);
    assert.equal(existsSync(join(dir, 'models', 'a.safetensors')), true);
  });
});

describe('getPreds and predict', () => {
  it('probabilities whose rows sum to 1, the targets, decoded classes and per-item losses', async (t) => {
    const learn = await learner(tempDir(t));
    await learn.fit(2, 1e-2);
    const { preds, targs, decoded, losses } = await learn.getPreds({ withDecoded: true, withLoss: true });
    assert.deepEqual(preds.shape, [32, 2]);
    assertClose(torch.tidy(() => preds.sum(1).toArray() as number[]), new Array(32).fill(1), { atol: 1e-6 });
    assert.deepEqual(decoded!.toArray(), preds.argmax(1).toArray());
    const expected = torch.tidy(() => F.crossEntropy(preds.log(), targs!, { reduction: 'none' }).toArray() as number[]);
    assertClose(losses!.toArray() as number[], expected, { atol: 1e-5 });
    // the mean of the per-item losses is the recorded validation loss
    assertClose(torch.tidy(() => losses!.mean().item()), learn.recorder.values[1]![1]!, { rtol: 1e-5 });
    torch.dispose([preds, targs, decoded, losses]);
  });

  it('predict gives the label, index and the probabilities of getPreds', async (t) => {
    const learn = await learner(tempDir(t));
    await learn.fit(2, 1e-2);
    const item = points(96)[95]!; // the last validation item
    const p = await learn.predict(item);
    assert.equal(p.label, learn.dls.vocab[p.index]);
    assert.equal(p.probs.length, 2);
    const { preds } = await learn.getPreds();
    assertClose(p.probs, Array.from(preds.narrow(0, 31, 1).toTypedArray() as Float32Array), { atol: 1e-6 });
    preds.dispose();
  });
});
