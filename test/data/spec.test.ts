import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/torch/index.js';
import {
  Categorize, CategoryBlock, DataLoaders, fromSpec, Pipeline, pipelineFromSpec, pipelineSpec, registerSpec, specTypes, toSpec,
  type BatchTransform, type TransformBlock,
} from '../../src/data/index.js';

/** A block of plain numbers (the data layer's tests know no images): numbers collate to int64. */
function NumBlock(): TransformBlock {
  const own: BatchTransform = { name: 'PlusOne', order: 10, apply: (b) => b.map((t) => t.add(1)), spec: () => ({ type: 'PlusOne' }) };
  return { name: 'NumBlock', kind: 'number', typeTfms: [], batchTfms: [own], spec: () => ({ type: 'NumBlock' }) };
}
function Times(k: number): BatchTransform {
  return { name: 'Times', order: 20, apply: (b, ctx) => b.map((t, i) => (ctx.kinds[i] === 'number' ? t.mul(k) : t)), spec: () => ({ type: 'Times', options: { k } }) };
}
registerSpec('NumBlock', () => NumBlock());
registerSpec('PlusOne', () => NumBlock().batchTfms![0]!);
registerSpec('Times', (o) => Times(o.k as number));

describe('specs', () => {
  it('CategoryBlock and Categorize keep their vocab (labels keep their type)', () => {
    const block = CategoryBlock();
    block.categorize.setup(['dog', 'cat', 'dog', 'ant']);
    const spec = toSpec(block);
    assert.deepEqual(spec, { type: 'CategoryBlock', options: { vocab: ['ant', 'cat', 'dog'] } });
    const back = fromSpec<CategoryBlock>(JSON.parse(JSON.stringify(spec)));
    assert.deepEqual(back.vocab, ['ant', 'cat', 'dog']);
    assert.equal(back.categorize.apply('dog'), 2);
    const nums = new Categorize();
    nums.setup([10, 2, 2]);
    assert.deepEqual(fromSpec<Categorize>(toSpec(nums)).vocab, [2, 10]);
    assert.throws(() => fromSpec({ type: 'CategoryBlock', options: { vocab: 'ab' } }), /cannot rebuild 'CategoryBlock'.*vocab must be an array of labels/);
  });

  it('errors name the transform and the fix', () => {
    assert.throws(() => toSpec({ name: 'MyTfm' }, 'export x.st'), /export x\.st: 'MyTfm' cannot be stored: it has no spec\(\).*registerSpec/);
    assert.throws(() => toSpec({ name: 'Odd', spec: () => ({ type: 'NotRegistered' }) }), /spec type 'NotRegistered', which is not registered/);
    assert.throws(() => toSpec({ name: 'Inf', spec: () => ({ type: 'Times', options: { k: Infinity } }) }), /non-finite option/);
    assert.throws(() => fromSpec({ type: 'Nope' }), (e: Error) => /unknown transform type 'Nope'/.test(e.message) && e.message.includes('CategoryBlock'));
    assert.throws(() => registerSpec('', () => null), /type must be a non-empty string/);
    assert.ok(specTypes().includes('Categorize'));
  });

  it("pipelineSpec leaves out the blocks' own transforms; the rebuilt pipeline runs the same steps", () => {
    const pipeline = Pipeline.create([NumBlock(), CategoryBlock({ vocab: ['a', 'b'] })], { batchTfms: [Times(3)] });
    const spec = pipelineSpec(pipeline);
    assert.deepEqual(spec.batchTfms, [{ type: 'Times', options: { k: 3 } }]);
    assert.deepEqual(spec.itemTfms, []);
    const parts = pipelineFromSpec(JSON.parse(JSON.stringify(spec)));
    const rebuilt = Pipeline.create(parts.blocks, parts);
    assert.deepEqual(rebuilt.batchTfms.map((t) => t.name), pipeline.batchTfms.map((t) => t.name));
    assert.deepEqual(rebuilt.kinds, ['number', 'category']);
  });
});

describe('DataLoaders.forInference', () => {
  it('has the vocab and a working testDl, and no data for the rest', async () => {
    const dls = await DataLoaders.forInference({ blocks: [NumBlock(), CategoryBlock({ vocab: ['x', 'y', 'z'] })] }, { batchTfms: [Times(2)] }, { bs: 2, device: 'cpu' });
    assert.equal(dls.inferenceOnly, true);
    assert.deepEqual(dls.vocab, ['x', 'y', 'z']);
    assert.equal(dls.c, 3);
    assert.equal(dls.trainDs.length, 0);
    const dl = await dls.testDl([1, 2, 3]);
    const got: number[] = [];
    for await (const [x] of dl) {
      got.push(...Array.from(x!.toTypedArray() as BigInt64Array, Number));
      x!.dispose();
    }
    assert.deepEqual(got, [4, 6, 8], '(n + 1) * 2: the block transform then the added one');
    assert.equal(dl.bs, 2);
    const noData = /loaded from an export and has no training data/;
    await assert.rejects(dls.oneBatch(), noData);
    await assert.rejects(dls.showBatch(), noData);
    await assert.rejects(dls.showResults([], torch.zeros([1])), noData);
    await assert.rejects(dls.testDl([1], { withLabels: true }), noData);
    const real = await DataLoaders.forInference({ blocks: [NumBlock()] });
    assert.equal(real.datasets.config.nInp, 1);
    await assert.rejects(DataLoaders.forInference({ blocks: [] }), /give at least one block/);
  });
});
