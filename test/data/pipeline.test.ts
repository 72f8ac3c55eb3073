import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch, type Tensor } from '../../src/index.js';
import {
  CategoryBlock, DataBlock, getImageFiles, IndexSplitter, parentLabel, Pipeline, RegexLabeller,
  type BatchContext, type BatchTransform, type ItemTransform, type PipelineStep,
} from '../../src/data/index.js';
import { augTransforms, ImageBlock, imagenetStats, Normalize, ResamplePlan, Resize } from '../../src/vision/index.js';
import { tempDir, writeClassImages } from './fixtures.js';

/** A batch transform that records, for each batch it sees, whether a resample plan reached it. */
function recorder(name: string, order: number, pointwise: boolean, seen: string[]): BatchTransform {
  return {
    name, order, pointwise,
    apply: (batch: Tensor[], ctx: BatchContext) => {
      seen.push(`${name}:${ctx.split}:${ctx.layouts?.[0] instanceof ResamplePlan ? 'plan' : 'none'}:${batch[0]!.shape.join('x')}`);
      return batch;
    },
  };
}

async function smallFolder(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const root = tempDir(t);
  await writeClassImages(root, ['ant', 'bee'], 4); // 20-26 px wide: smaller than Resize(32), so enlargement is deferred
  return root;
}

describe('Pipeline', () => {
  it('sorts the transforms once, with the blocks\' defaults, and adding transforms gives a new sorted pipeline', () => {
    const late: BatchTransform = { name: 'late', order: 50, apply: (b) => b };
    const early: ItemTransform = { name: 'early', order: 0, apply: (v) => v };
    const p = Pipeline.create([ImageBlock(), CategoryBlock()], { itemTfms: [Resize(8), early], batchTfms: [Normalize.fromStats(...imagenetStats), late] });
    assert.deepEqual(p.itemTfms.map((t) => t.name), ['early', 'Resize', 'ToTensor']);
    assert.deepEqual(p.batchTfms.map((t) => t.name), ['IntToFloatTensor', 'late', 'Normalize']);
    assert.deepEqual(p.kinds, ['image', 'category']);
    const q = p.withTfms([{ name: 'mid', order: 20, apply: (b: Tensor[]) => b }], 'batch');
    assert.deepEqual(q.batchTfms.map((t) => t.name), ['IntToFloatTensor', 'mid', 'late', 'Normalize']);
    assert.deepEqual(p.batchTfms.map((t) => t.name), ['IntToFloatTensor', 'late', 'Normalize'], 'the original is unchanged');
    assert.equal(q.itemTfms, p.itemTfms, 'the item transforms are shared, not re-sorted');
    assert.throws(() => (p.batchTfms as BatchTransform[]).push(late), TypeError);
  });

  it('the observer sees every step in order: item transforms, collate, device, batch transforms', async (t) => {
    const root = await smallFolder(t);
    const dls = await new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: RegexLabeller(/([a-z]+)_\d+\.jpg$/),
      splitter: IndexSplitter([0]), itemTfms: Resize(32), batchTfms: augTransforms({ size: 16 }),
    }).dataloaders(root, { bs: 2, device: 'cpu', seed: 3 });
    const dl = dls.train;
    const steps: PipelineStep[] = [];
    const observe = (s: PipelineStep) => steps.push(s);
    const samples = [await dl.loadSample(0, 0, observe), await dl.loadSample(1, 0)];
    const batch = dl.makeBatch(samples, dl.batchContext(0, 0), observe);
    assert.deepEqual(steps.map((s) => `${s.stage}${s.transform ? ` ${s.transform.name}` : ''}`), [
      'item Resize', 'item ToTensor', 'collate', 'device', 'batch IntToFloatTensor', 'batch AffineCoordTfm', 'batch Lighting',
    ]);
    assert.ok(steps[2]!.layouts?.[0] instanceof ResamplePlan, 'collate reports the images\' resample plan');
    assert.deepEqual(batch[0]!.shape, [2, 3, 16, 16]);
    torch.dispose(batch);
  });

  it('hands a block\'s layout to pointwise transforms and the first other one, then drops it', async (t) => {
    const root = await smallFolder(t);
    const seen: string[] = [];
    const dls = await new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: parentLabel, splitter: IndexSplitter([]),
      itemTfms: Resize(32),
      batchTfms: [recorder('before', 20, true, seen), ...augTransforms({ size: 16 }), recorder('after', 35, false, seen)],
    }).dataloaders(root, { bs: 4, device: 'cpu', seed: 0 });
    torch.dispose(await dls.train.oneBatch());
    assert.equal(seen.length, 2);
    assert.match(seen[0]!, /^before:train:plan:4x3x\d+x\d+$/, 'a pointwise transform before the resample sees the plan');
    assert.equal(seen[1], 'after:train:none:4x3x16x16', 'a transform after the resample does not');
  });

  it('summary runs the loader\'s own pipeline: its batch transforms see exactly what the loader\'s see', async (t) => {
    const root = await smallFolder(t);
    const seen: string[] = [];
    const dblock = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: parentLabel, splitter: IndexSplitter([]),
      itemTfms: Resize(32),
      batchTfms: [recorder('before', 20, true, seen), ...augTransforms({ size: 16 }), recorder('after', 35, false, seen)],
    });
    const lines: string[] = [];
    await dblock.summary(root, { bs: 4, device: 'cpu', seed: 0, print: (l) => lines.push(l) });
    const fromSummary = seen.splice(0);
    const dls = await dblock.dataloaders(root, { bs: 4, device: 'cpu', seed: 0, shuffle: false });
    // summary builds its batch from the first samples in dataset order, as an unshuffled loader does
    const dl = dls.train;
    const samples = await Promise.all([0, 1, 2, 3].map((i) => dl.loadSample(i, 0)));
    torch.dispose(dl.makeBatch(samples, dl.batchContext(0, 0)));
    assert.deepEqual(fromSummary, seen);
    assert.ok(lines.some((l) => l.includes('applying before gives')) && lines.some((l) => l.includes('applying after gives')), lines.join('\n'));
    assert.ok(lines.some((l) => /stand for 32x32: the batch resample enlarges them/.test(l)), 'summary prints the plan the blocks attached');
  });

  it('summary lists the items once', async (t) => {
    const root = await smallFolder(t);
    let calls = 0;
    const dblock = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()], getItems: (p: string) => (calls++, getImageFiles(p)), getY: parentLabel,
      splitter: IndexSplitter([]), itemTfms: Resize(16),
    });
    await dblock.summary(root, { bs: 2, device: 'cpu', print: () => undefined });
    assert.equal(calls, 1);
  });

  it('addTfms gives both loaders one new pipeline, and Normalize makes its constants once per device and dtype', async (t) => {
    const root = await smallFolder(t);
    const dls = await new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: parentLabel, splitter: IndexSplitter([0, 1]), itemTfms: Resize(16),
    }).dataloaders(root, { bs: 2, device: 'cpu', seed: 0 });
    const before = dls.pipeline;
    dls.addTfms([Normalize.fromStats(...imagenetStats)]);
    assert.notEqual(dls.pipeline, before);
    assert.equal(dls.train.pipeline, dls.valid.pipeline);
    assert.deepEqual(dls.pipeline.batchTfms.map((b) => b.name), ['IntToFloatTensor', 'Normalize']);
    const live = () => torch.memory().liveTensors;
    const start = live();
    torch.dispose(await dls.valid.oneBatch());
    const afterFirst = live();
    assert.equal(afterFirst, start + 2, 'mean and std, kept for the next batches');
    for (let i = 0; i < 3; i++) torch.dispose(await dls.valid.oneBatch());
    assert.equal(live(), afterFirst, 'no new constants per batch');
  });

  it('dl.items are the source items in dataset order', async (t) => {
    const root = await smallFolder(t);
    const files = getImageFiles(root);
    const dls = await new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: parentLabel, splitter: IndexSplitter([1, 5]), itemTfms: Resize(16),
    }).dataloaders(root, { bs: 2, device: 'cpu' });
    assert.deepEqual(dls.valid.items, [files[1], files[5]]);
    assert.equal(dls.train.items.length, 6);
  });
});
