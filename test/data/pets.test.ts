import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { torch } from '../../src/index.js';
import { CategoryBlock, DataBlock, getImageFiles, RandomSplitter, RegexLabeller, usingAttr } from '../../src/data/index.js';
import { augTransforms, ImageBlock, ImageDataLoaders, Resize } from '../../src/vision/index.js';
import { assertClose, haveShared, sharedPath } from '../helpers.js';
import { tempDir } from './fixtures.js';

const PETS = ['data', 'pets'];

function pets(): DataBlock<string> {
  return new DataBlock<string>({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed: 42 }),
    getY: usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name'),
    itemTfms: Resize(460),
    batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
  });
}

/** Every file of the folder with its size and modification time. */
function snapshot(dir: string): string[] {
  return readdirSync(dir).sort().map((f) => {
    const s = statSync(join(dir, f));
    return `${f} ${s.size} ${s.mtimeMs}`;
  });
}

describe('the pets recipe (fastbook chapter 5) on the 370 shared photos', () => {
  it('370 items, a 296/74 split with seed 42 identical to fastai, and the 37 sorted breeds', async (t) => {
    if (!haveShared(t, PETS)) return;
    const path = sharedPath(...PETS);
    const dsets = await pets().datasets(path);
    assert.equal(dsets.items.length, 370);
    assert.equal(dsets.train.length, 296);
    assert.equal(dsets.valid.length, 74);
    // torch.manual_seed(42); torch.randperm(370) over the sorted file names, in PyTorch
    const name = (f: unknown) => String(f).split('/').pop();
    assert.deepEqual([0, 1, 2].map((i) => name(dsets.valid.item(i))), ['Bengal_123.jpg', 'american_pit_bull_terrier_13.jpg', 'Russian_Blue_111.jpg']);
    assert.deepEqual([0, 1, 2].map((i) => name(dsets.train.item(i))), ['samoyed_167.jpg', 'shiba_inu_172.jpg', 'american_bulldog_115.jpg']);
    const vocab = dsets.vocab!;
    assert.equal(vocab.length, 37);
    assert.deepEqual([...vocab], [...vocab].sort());
    assert.equal(vocab[30], 'saint_bernard');
    assert.equal(vocab[0], 'Abyssinian');
    assert.equal(vocab[12], 'american_bulldog');
  });

  it('gives training batches [bs, 3, 224, 224] float32 with int64 targets in [0, 37), and complete validation batches', async (t) => {
    if (!haveShared(t, PETS)) return;
    const path = sharedPath(...PETS);
    const before = snapshot(path);
    const dls = await pets().dataloaders(path, { bs: 8, device: 'cpu' });
    assert.equal(dls.c, 37);
    assert.equal(dls.vocab[30], 'saint_bernard');
    assert.equal(dls.train.length, 37); // 296 / 8
    assert.equal(dls.valid.length, 10); // ceil(74 / 8), nothing dropped
    assert.equal(dls.path, path);
    const [x, y] = await dls.oneBatch();
    assert.deepEqual(x.shape, [8, 3, 224, 224]);
    assert.equal(x.dtype, 'float32');
    assert.equal(x.device, 'cpu');
    assert.deepEqual(y.shape, [8]);
    assert.equal(y.dtype, 'int64');
    const ys = Array.from(y.toTypedArray() as BigInt64Array, Number);
    assert.ok(ys.every((v) => Number.isInteger(v) && v >= 0 && v < 37), `targets ${ys}`);
    assert.ok(torch.tidy(() => x.min().item() >= 0 && x.max().item() <= 1), 'pixels in [0, 1] before Normalize');
    torch.dispose([x, y]);
    const [vx, vy] = await dls.valid.oneBatch();
    assert.deepEqual(vx.shape, [8, 3, 224, 224]);
    assert.deepEqual(
      Array.from(vy.toTypedArray() as BigInt64Array, Number).slice(0, 2),
      [dls.vocab.indexOf('Bengal'), dls.vocab.indexOf('american_pit_bull_terrier')],
    );
    torch.dispose([vx, vy]);
    assert.deepEqual(snapshot(path), before, 'nothing is written into the data folder');
  });

  it('testDl applies the validation transforms to new items; showBatch and showResults draw PNGs', async (t) => {
    if (!haveShared(t, PETS)) return;
    const path = sharedPath(...PETS);
    const dls = await pets().dataloaders(path, { bs: 4, device: 'cpu' });
    const items = [0, 1, 2].map((i) => dls.validDs.item(i) as string);
    const test = await dls.testDl(items);
    assert.equal(test.length, 1);
    const [tx, ...rest] = await test.oneBatch();
    assert.equal(rest.length, 0, 'no labels: batches are [x]');
    assert.ok(tx, 'a test batch holds the inputs');
    const [vx, vy] = await dls.valid.oneBatch();
    assert.deepEqual(tx.shape, [3, 3, 224, 224]);
    // Equal up to float rounding: the batches differ in size, so the same items sit in batch tensors of different sizes.
    assertClose(tx.toTypedArray() as Float32Array, torch.tidy(() => vx.narrow(0, 0, 3).contiguous()).toTypedArray() as Float32Array, { atol: 1e-5 });
    const labelled = await dls.testDl(items, { withLabels: true });
    const lb = await labelled.oneBatch();
    assert.deepEqual(Array.from(lb[1]!.toTypedArray() as BigInt64Array), Array.from(vy.toTypedArray() as BigInt64Array).slice(0, 3));

    const dir = tempDir(t);
    const file = join(dir, 'batch.png');
    const png = await dls.showBatch({ nrows: 2, ncols: 2, file });
    const meta = await sharp(file).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(png.length, statSync(file).size);
    assert.ok(meta.width! > 2 * 192 && meta.height! > 2 * 192);
    const preds = torch.zeros([4, 37]);
    assert.deepEqual(dls.decodePreds(torch.tensor([[0, 2, 1], [5, 0, 0]]).float()), { indices: [1, 0], labels: ['Bengal', 'Abyssinian'] });
    assert.deepEqual(dls.decodePreds(torch.tensor([30])).labels, ['saint_bernard']);
    const results = await dls.showResults([vx, vy], preds, { nrows: 1, ncols: 4 });
    assert.equal((await sharp(results).metadata()).format, 'png');
    torch.dispose([tx, vx, vy, lb, preds]);
  });

  it('ImageDataLoaders.fromNameRe builds the same split and vocab in one line', async (t) => {
    if (!haveShared(t, PETS)) return;
    const path = sharedPath(...PETS);
    const dls = await ImageDataLoaders.fromNameRe(path, getImageFiles(path), /^(.+)_\d+\.jpg$/, { seed: 42, itemTfms: Resize(460), bs: 16 });
    const block = await pets().datasets(path);
    assert.equal(dls.trainDs.length, 296);
    assert.deepEqual(dls.vocab, block.vocab);
    assert.deepEqual(dls.validDs.indices, block.valid.indices);
    const cats = await ImageDataLoaders.fromNameFunc(path, getImageFiles(path), (n) => (/^[A-Z]/.test(n) ? 'cat' : 'dog'), { seed: 42 });
    assert.deepEqual(cats.vocab, ['cat', 'dog']);
  });
});
