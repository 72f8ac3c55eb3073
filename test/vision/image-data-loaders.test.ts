import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { torch } from '../../src/index.js';
import { getImageFiles } from '../../src/data/index.js';
import { augTransforms, ImageDataLoaders, imagenetStats, Normalize, Resize } from '../../src/vision/index.js';
import { assertClose } from '../helpers.js';
import { tempDir, writeClassImages } from '../data/fixtures.js';

describe('ImageDataLoaders', () => {
  it('fromFolder: train/valid folders and parent-folder labels, or a random split', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(dir, ['cat', 'dog'], 4, 'train');
    await writeClassImages(dir, ['cat', 'dog'], 2, 'valid');
    await writeClassImages(dir, ['cat'], 2, 'test');
    const dls = await ImageDataLoaders.fromFolder(dir, { itemTfms: Resize(16), bs: 4, device: 'cpu' });
    assert.equal(dls.trainDs.length, 8);
    assert.equal(dls.validDs.length, 4);
    assert.deepEqual(dls.vocab, ['cat', 'dog']);
    assert.ok(String(dls.validDs.item(0)).includes('/valid/'));
    const [x, y] = await dls.oneBatch();
    assert.deepEqual(x.shape, [4, 3, 16, 16]);
    torch.dispose([x, y]);
    assert.equal(dls.to('cpu'), dls);
    assert.equal(dls.valid.device, 'cpu');
    const random = await ImageDataLoaders.fromFolder(dir, { validPct: 0.25, seed: 1, itemTfms: Resize(16), bs: 4 });
    assert.equal(random.trainDs.length + random.validDs.length, 14);
    assert.equal(random.validDs.length, 3);
    await assert.rejects(ImageDataLoaders.fromFolder(dir, { valid: 'val', bs: 2 }), /no item sits in a 'val\/<label>\/' folder/);
  });

  it('fromCsv: file names and labels from columns, images in a folder, split from a column', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(join(dir, 'images'), ['a', 'b'], 3);
    const rows = ['a_0,a,false', 'a_1,a,false', 'a_2,a,true', 'b_0,b,false', 'b_1,b,false', 'b_2,b,true'];
    writeFileSync(join(dir, 'labels.csv'), `name,label,is_valid\n${rows.join('\n')}\n`);
    const dls = await ImageDataLoaders.fromCsv(dir, 'labels.csv', { folder: 'images', suff: '.jpg', validCol: 'is_valid', itemTfms: Resize(12), bs: 2 });
    assert.equal(dls.trainDs.length, 4);
    assert.deepEqual(dls.validDs.indices, [2, 5]);
    assert.deepEqual(dls.vocab, ['a', 'b']);
    const [x, y] = await dls.valid.oneBatch();
    assert.deepEqual(x.shape, [2, 3, 12, 12]);
    assert.deepEqual(Array.from(y.toTypedArray() as BigInt64Array, Number), [0, 1]);
    torch.dispose([x, y]);
    // the same with column indices and a random split
    const byIndex = await ImageDataLoaders.fromCsv(dir, 'labels.csv', { folder: 'images', suff: '.jpg', fnCol: 0, labelCol: 1, seed: 0, validPct: 0.5, itemTfms: Resize(12), bs: 2 });
    assert.equal(byIndex.validDs.length, 3);
  });

  it('fromPathRe and fromPathFunc label from the whole path', async (t) => {
    const dir = tempDir(t);
    const files = await writeClassImages(dir, ['red', 'blue'], 3, 'all');
    const re = await ImageDataLoaders.fromPathRe(dir, files, /all\/([a-z]+)\//, { seed: 0, itemTfms: Resize(8), bs: 2 });
    assert.deepEqual(re.vocab, ['blue', 'red']);
    const fn = await ImageDataLoaders.fromPathFunc(dir, getImageFiles(dir), (f) => (f.includes('red') ? 'warm' : 'cold'), { seed: 0, itemTfms: Resize(8), bs: 2 });
    assert.deepEqual(fn.vocab, ['cold', 'warm']);
  });

  it('addTfms(Normalize) normalises both loaders; decode undoes it for showBatch; testDl takes image bytes', async (t) => {
    const dir = tempDir(t);
    const files = await writeClassImages(dir, ['a', 'b'], 4, 'all');
    const dls = await ImageDataLoaders.fromNameFunc(dir, files, (n) => n[0]!, {
      seed: 2, itemTfms: Resize(16), batchTfms: augTransforms({ size: 12 }), bs: 2,
    });
    const [raw] = await dls.valid.oneBatch();
    dls.addTfms([Normalize.fromStats(...imagenetStats)]);
    assert.deepEqual(dls.pipeline.batchTfms.map((b) => b.name), ['IntToFloatTensor', 'AffineCoordTfm', 'Lighting', 'Normalize']);
    const [norm, y] = await dls.valid.oneBatch();
    const decoded = dls.valid.decode([norm, y]);
    assertClose(Array.from(decoded[0]!.toTypedArray() as Float32Array), Array.from(raw!.toTypedArray() as Float32Array), { atol: 1e-5 });
    const png = await dls.showBatch({ nrows: 1, ncols: 2, cellSize: 48 });
    assert.equal((await sharp(png).metadata()).width, 2 * 48 + 3 * 8);
    const test = await dls.testDl([readFileSync(files[0]!), files[1]!]);
    const [tx] = await test.oneBatch();
    assert.deepEqual(tx!.shape, [2, 3, 12, 12]);
    torch.dispose([raw, norm, y, decoded, tx]);
  });
});
