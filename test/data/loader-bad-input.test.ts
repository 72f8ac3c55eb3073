import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { CategoryBlock, DataBlock, DataLoader, getImageFiles, IndexSplitter, parentLabel, type OnError } from '../../src/data/index.js';
import { ImageBlock, ImageDataLoaders, Resize } from '../../src/vision/index.js';
import { tempDir, writeClassImages } from './fixtures.js';

function recipe(): DataBlock<string> {
  return new DataBlock<string>({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    getY: parentLabel,
    splitter: IndexSplitter([]), // everything in training
    itemTfms: Resize(16),
  });
}

/** `root/all/{ant,bee}/...`: `good` images per class, and the given junk files in 'bee'. */
async function folder(t: Parameters<typeof tempDir>[0], good: number, junk: readonly string[]): Promise<string> {
  const root = tempDir(t);
  await writeClassImages(root, ['ant', 'bee'], good, 'all');
  for (const name of junk) writeFileSync(join(root, 'all', 'bee', name), 'not an image at all');
  return join(root, 'all');
}

async function batchSizes(dl: DataLoader): Promise<number[]> {
  const sizes: number[] = [];
  for await (const batch of dl) {
    sizes.push(batch[0]!.shape[0]!);
    torch.dispose(batch);
  }
  return sizes;
}

/** Runs `fn` with process warnings silenced (they are expected here). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  const mute = () => undefined;
  process.on('warning', mute);
  try {
    const out = await fn();
    await new Promise((r) => setImmediate(r));
    return out;
  } finally {
    process.off('warning', mute);
    for (const l of listeners) process.on('warning', l);
  }
}

describe('loader: bad input', () => {
  it('numWorkers 0 and a failing sample in raise mode: the samples already loaded for that batch are freed', async (t) => {
    // 8 good images, then the junk one last in dataset order: batch [6, 7, 8] loads two samples before failing.
    const path = await folder(t, 4, ['bee_z.jpg']);
    const dsets = await recipe().datasets(path);
    const dls = await recipe().dataloaders(path, { bs: 3, device: 'cpu' });
    const dl = new DataLoader(dsets.train, dls.pipeline, { bs: 3, numWorkers: 0, shuffle: false, device: 'cpu' });
    const live = () => torch.memory().liveTensors;
    const start = live();
    for (let epoch = 0; epoch < 3; epoch++) await assert.rejects(batchSizes(dl), /bee_z\.jpg/);
    assert.equal(live(), start, 'no tensors left behind by the failing epochs');
  });

  it("onError must be 'raise' or 'skip': a misspelt value is an error listing both", async (t) => {
    const path = await folder(t, 2, []);
    for (const bad of ['ignore', 'Skip']) {
      await assert.rejects(recipe().dataloaders(path, { onError: bad as OnError }), new RegExp(`onError must be one of 'raise', 'skip'; got the string '${bad}'`));
    }
    await assert.rejects(ImageDataLoaders.fromFolder(path, { validPct: 0.5, onError: 'ignore' as OnError }), /onError must be one of 'raise', 'skip'/);
  });

  it("onError 'skip': batches that lost unreadable files are topped up from the following samples", async (t) => {
    const path = await folder(t, 5, ['bee_x.jpg', 'bee_y.jpg']); // 10 good, 2 junk
    const dls = await recipe().dataloaders(path, { bs: 4, onError: 'skip', device: 'cpu', seed: 1 });
    const first = await quietly(() => batchSizes(dls.train));
    assert.deepEqual(first, [4, 4], 'full batches in the epoch that finds the junk (dropLast drops the last 2)');
    assert.deepEqual(await batchSizes(dls.train), [4, 4]);
    const all = await recipe().dataloaders(path, { bs: 4, onError: 'skip', device: 'cpu', seed: 1, dropLast: false });
    const sizes = await quietly(() => batchSizes(all.train));
    assert.equal(sizes.reduce((a, b) => a + b, 0), 10, 'every good sample once');
    assert.deepEqual(sizes.slice(0, -1), sizes.slice(0, -1).map(() => 4), `only the last batch is short: ${sizes}`);
  });

  it("onError 'skip' with nothing readable: an error naming the folder and the count, not an empty epoch", async (t) => {
    const root = tempDir(t);
    for (const name of ['a_1.jpg', 'a_2.jpg', 'a_3.jpg']) writeFileSync(join(root, name), 'junk');
    const dls = await new DataBlock<string>({
      blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: () => 'a', splitter: IndexSplitter([]), itemTfms: Resize(16),
    }).dataloaders(root, { bs: 2, onError: 'skip', device: 'cpu', dropLast: false });
    await quietly(() => assert.rejects(batchSizes(dls.train), (e: Error) => e.message.includes(`none of the 3 training samples in ${root} could be read`)));
  });

  it('options of the wrong type say what they got: a string is not a number', async (t) => {
    const path = await folder(t, 2, []);
    await assert.rejects(recipe().dataloaders(path, { bs: '32' as unknown as number }), /bs must be a positive integer, got the string '32'/);
    await assert.rejects(recipe().dataloaders(path, { bs: 2.5 }), /bs must be a positive integer, got 2\.5/);
    await assert.rejects(recipe().dataloaders(path, { numWorkers: -1 }), /numWorkers must be an integer >= 0, got -1/);
    await assert.rejects(recipe().dataloaders(path, { shuffle: 'yes' as unknown as boolean }), /shuffle must be true or false, got the string 'yes'/);
  });

  it('showBatch({ file }) creates the missing folders', async (t) => {
    const path = await folder(t, 3, []);
    const dls = await recipe().dataloaders(path, { bs: 4, device: 'cpu' });
    const file = join(tempDir(t), 'figures', 'pets', 'batch.png');
    const png = await dls.showBatch({ file, nrows: 1, ncols: 2, cellSize: 32 });
    assert.ok(existsSync(file));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
  });

  it("showBatch({ file: 'b.svg' }) writes an SVG (the format follows the file name unless given)", async (t) => {
    const path = await folder(t, 3, []);
    const dls = await recipe().dataloaders(path, { bs: 4, device: 'cpu' });
    const file = join(tempDir(t), 'b.svg');
    const svg = await dls.showBatch({ file, nrows: 1, ncols: 2, cellSize: 32 });
    assert.match(readFileSync(file, 'utf8'), /^<svg /);
    assert.equal(svg.toString('utf8').match(/<image /g)?.length, 2);
    const png = await dls.showBatch({ file: join(tempDir(t), 'b.svg'), format: 'png', nrows: 1, ncols: 1, cellSize: 32 });
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
  });
});
