import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Callback, CategoryBlock, DataBlock, errorRate, getImageFiles, ImageBlock, Learner, mobilenetV1, nn, RandomSplitter,
  RegexLabeller, Resize, setSeed, type Tensor, usingAttr, visionLearner, VisionModel,
} from '../../src/index.js';
import { addOomAdvice } from '../../src/learner/oom.js';
import { tempDir, writeClassImages } from '../data/fixtures.js';
import { pointDls } from './synthetic.js';

async function imageDls(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  await writeClassImages(dir, ['red', 'green'], 6);
  setSeed(0);
  const block = new DataBlock({
    blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, splitter: RandomSplitter({ seed: 1, validPct: 0.25 }),
    getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'), itemTfms: Resize(32),
  });
  return block.dataloaders(dir, { bs: 3, device: 'cpu' });
}

describe('visionLearner', () => {
  it('takes a model function: cut at the last pooling layer, features measured, two groups, random weights not frozen', async (t) => {
    const dls = await imageDls(t);
    const learn = await visionLearner(dls, (o) => mobilenetV1({ ...o, alpha: 0.25 }), { pretrained: false, metrics: [errorRate], quiet: true });
    assert.ok(learn.model instanceof VisionModel);
    assert.equal((learn.model as VisionModel).paramGroups().length, 2);
    assert.ok(learn.model.parameters().every((p) => p.requiresGrad), 'random weights start unfrozen');
    assert.equal(dls.pipeline.batchTfms.some((tf) => tf.name === 'Normalize'), false, 'no pretrained statistics to add');
    await learn.fit(1, 1e-3);
    assert.equal(learn.recorder.values.length, 1);
    assert.equal(learn.lossFunc.name, 'CrossEntropyLossFlat');
  });

  it('toChannelsLast converts the model and the input batches', async (t) => {
    const dls = await imageDls(t);
    const learn = await visionLearner(dls, 'mobilenet_v1_0.25', { pretrained: false, quiet: true });
    learn.toChannelsLast();
    const seen: boolean[] = [];
    class Check extends Callback {
      override afterPred() {
        seen.push(this.learn.xb[0]!.isChannelsLast());
      }
    }
    await learn.fit(1, 1e-3, { cbs: [new Check()] });
    assert.ok(seen.length > 0 && seen.every(Boolean));
    const conv = learn.model.parameters().find((p) => p.ndim === 4)!;
    assert.ok(conv.isChannelsLast());
  });

  it('a target without a default loss asks for lossFunc', async () => {
    const dls = await pointDls();
    Object.defineProperty(dls, 'kinds', { value: ['vector', 'vector'] });
    assert.throws(() => new Learner(dls, new nn.Identity()), /no default loss for a 'vector' target; pass lossFunc/);
  });

  it('an engine out-of-memory error gets the training advice', () => {
    const e = Object.assign(new Error('aten::empty: out of memory: 4.0 GiB requested'), { code: 'ERR_OUT_OF_MEMORY' });
    assert.match((addOomAdvice(e) as Error).message, /smaller batch.*GradientAccumulation.*mixed precision/s);
    const other = new Error('shape mismatch');
    assert.equal((addOomAdvice(other) as Error).message, 'shape mismatch');
  });

  it('freeze on a one-group model says why it cannot', async () => {
    const dls = await pointDls();
    const model = new (class extends nn.Module {
      fc = this.registerModule('fc', new nn.Linear(4, 2));
      forward(x: Tensor) {
        return this.fc.call(x);
      }
    })();
    const learn = new Learner(dls, model, { quiet: true });
    assert.throws(() => learn.freeze(), /one parameter group, so there is no body to freeze; give the Learner a splitter/);
    await assert.rejects(learn.fineTune(1), /one parameter group/);
  });
});
