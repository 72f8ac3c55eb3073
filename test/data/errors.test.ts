import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { CategoryBlock, DataBlock, type DataLoader, getImageFiles, IndexSplitter, parentLabel, RandomSplitter, RegexLabeller } from '../../src/data/index.js';
import { ImageBlock, ImageDataLoaders, Resize } from '../../src/vision/index.js';
import { tempDir, writeClassImages, writeImage } from './fixtures.js';

function recipe(options: { splitter?: DataBlock<string>['splitter'] } = {}): DataBlock<string> {
  return new DataBlock<string>({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    getY: parentLabel,
    splitter: options.splitter ?? RandomSplitter({ seed: 0 }),
    itemTfms: Resize(16),
  });
}

async function countEpoch(dl: DataLoader): Promise<number> {
  let n = 0;
  for await (const batch of dl) {
    n += batch[0]!.shape[0]!;
    torch.dispose(batch);
  }
  return n;
}

/** Collects process warnings emitted while `fn` runs (they are emitted on the next tick). */
async function warnings(fn: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (w: Error) => seen.push(w);
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('bad input', () => {
  it('an empty folder or one without images: the error names the folder and the extensions', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(recipe().dataloaders(dir), (e: Error) => e.message.includes(dir) && /for \.jpg, \.jpeg, .*\.png/.test(e.message));
    writeFileSync(join(dir, 'notes.txt'), 'hi');
    await assert.rejects(recipe().dataloaders(dir), /no image files in/);
  });

  it("a corrupt or truncated image: an error naming the file; onError 'skip' leaves it out with one warning", async (t) => {
    const dir = tempDir(t);
    await writeClassImages(dir, ['ant', 'bee'], 4, 'all');
    const junk = join(dir, 'all', 'ant', 'ant_junk.jpg');
    writeFileSync(junk, 'GIF89a but not really');
    const big = await writeImage(join(dir, 'big.jpg'), { width: 300, height: 200 });
    const truncated = join(dir, 'all', 'bee', 'bee_truncated.jpg');
    writeFileSync(truncated, readFileSync(big).subarray(0, 2000));
    const everything = IndexSplitter([]);

    const raising = await recipe({ splitter: everything }).dataloaders(join(dir, 'all'), { bs: 2 });
    await assert.rejects(countEpoch(raising.train), (e: Error) => e.message.includes(junk) || e.message.includes(truncated));

    const skipping = await recipe({ splitter: everything }).dataloaders(join(dir, 'all'), { bs: 2, onError: 'skip', dropLast: false });
    let seen = 0;
    const first = await warnings(async () => {
      seen = await countEpoch(skipping.train);
    });
    assert.equal(seen, 8, 'the 8 good images');
    const ours = first.filter((w) => (w as Error & { code?: string }).code === 'FASTAI_TS_SKIPPED_SAMPLES');
    assert.equal(ours.length, 1, 'one warning');
    assert.ok(ours[0]!.message.includes(junk) && ours[0]!.message.includes(truncated), ours[0]!.message);
    assert.equal(skipping.train.n, 8);
    const second = await warnings(async () => {
      seen = await countEpoch(skipping.train);
    });
    assert.equal(seen, 8);
    assert.equal(second.filter((w) => (w as Error & { code?: string }).code === 'FASTAI_TS_SKIPPED_SAMPLES').length, 0, 'no new warning');
  });

  it('a file name the regex does not match: the error names the file and the pattern', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(dir, ['pug', 'boxer'], 3);
    await writeImage(join(dir, 'IMG0001.jpg'));
    const dblock = new DataBlock({ blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, getY: RegexLabeller(/([a-z]+)_\d+\.jpg$/) });
    await assert.rejects(dblock.dataloaders(dir), (e: Error) => e.message.includes('IMG0001.jpg') && e.message.includes('/([a-z]+)_\\d+\\.jpg$/'));
  });

  it('a CSV without the named column: the error lists the columns', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(dir, ['a', 'b'], 2);
    writeFileSync(join(dir, 'labels.csv'), 'file,breed\na_0.jpg,a\na_1.jpg,a\nb_0.jpg,b\nb_1.jpg,b\n');
    await assert.rejects(ImageDataLoaders.fromCsv(dir, 'labels.csv', { labelCol: 'label' }), /no column 'label'; its columns are 'file', 'breed'/);
  });

  it('a batch size larger than the training set with dropLast: a clear error', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(dir, ['a', 'b'], 3, 'all');
    await assert.rejects(recipe().dataloaders(join(dir, 'all'), { bs: 64 }), /bs 64 is larger than the 5 training samples and dropLast is on.*bs <= 5 or dropLast: false/);
    const dls = await recipe().dataloaders(join(dir, 'all'), { bs: 64, dropLast: false });
    assert.equal(dls.train.length, 1);
  });

  it('a validation label missing from training: the error names it', async (t) => {
    const dir = tempDir(t);
    await writeClassImages(dir, ['cat'], 3, 'all');
    await writeClassImages(dir, ['dog'], 1, 'all');
    await assert.rejects(recipe({ splitter: IndexSplitter([3]) }).dataloaders(join(dir, 'all')), /Label 'dog' was not included in the training dataset/);
  });

  it('DataBlock without items or blocks, and bad loader options', async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, 'x'));
    assert.throws(() => new DataBlock({ blocks: [] }), /at least one block/);
    const noGetItems = new DataBlock({ blocks: [ImageBlock(), CategoryBlock()] });
    await assert.rejects(noGetItems.datasets(dir), /no getItems, so the source must be an array/);
    await assert.rejects(noGetItems.datasets([]), /found no items/);
    await writeClassImages(dir, ['a', 'b'], 3, 'all');
    await assert.rejects(recipe().dataloaders(join(dir, 'all'), { bs: 0 }), /bs must be a positive integer/);
  });
});
