import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { CategoryBlock, CollateError, DataBlock, getImageFiles, RandomSplitter, RegexLabeller, usingAttr } from '../../src/data/index.js';
import { augTransforms, ImageBlock, ImageReadError, Resize } from '../../src/vision/index.js';
import { haveShared, sharedPath } from '../helpers.js';
import { tempDir, writeClassImages } from './fixtures.js';

function capture(): { lines: string[]; print: (l: string) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, print: (l) => lines.push(...l.split('\n')), text: () => lines.join('\n') };
}

describe('DataBlock.summary', () => {
  it("on the book's deliberate mistake (no Resize) prints the collate failure with the differing shapes and rethrows", async (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const path = sharedPath('data', 'pets');
    const wrong = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()],
      getItems: getImageFiles,
      splitter: RandomSplitter({ seed: 42 }),
      getY: usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name'),
    });
    const out = capture();
    const before = torch.memory().liveTensors;
    await assert.rejects(wrong.summary(path, { print: out.print, device: 'cpu' }), (e: Error) => e instanceof CollateError && e.shapes.length === 4);
    const text = out.text();
    // the steps that worked, in fastai's order
    for (const expected of [
      'Setting-up type transforms pipelines', 'Found 370 items', '2 datasets of sizes 296,74', 'Building one sample',
      'samoyed_167.jpg', 'applying Image.open gives', 'Image jpeg', 'applying Categorize gives', 'Final sample: (Image jpeg',
      'Applying item_tfms to the first sample:', 'applying ToTensor gives', 'Adding the next 3 samples', 'Collating items in a batch',
      "Error! It's not possible to collate your items in a batch", 'Could not collate the 0-th members of your tuples because got the following shapes:',
    ]) {
      assert.ok(text.includes(expected), `summary prints ${JSON.stringify(expected)}\n${text}`);
    }
    const shapesLine = out.lines[out.lines.length - 1]!;
    const shapes = shapesLine.split('], ').map((s) => s.replace(/[[\]]/g, ''));
    assert.equal(shapes.length, 4, shapesLine);
    assert.ok(new Set(shapes).size >= 2, `at least two different shapes: ${shapesLine}`);
    for (const s of shapes) assert.match(s, /^3, \d+, \d+$/);
    assert.equal(torch.memory().liveTensors, before, 'summary frees what it built');
  });

  it('with Resize, prints the batch shapes and each batch transform', async (t) => {
    const root = tempDir(t);
    await writeClassImages(root, ['ant', 'bee'], 5);
    const dblock = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()],
      getItems: getImageFiles,
      getY: RegexLabeller(/([a-z]+)_\d+\.jpg$/),
      splitter: RandomSplitter({ seed: 0 }),
      itemTfms: Resize(32),
      batchTfms: augTransforms({ size: 24 }),
    });
    const out = capture();
    await dblock.summary(root, { bs: 3, print: out.print, device: 'cpu' });
    const text = out.text();
    assert.match(text, /applying Resize -- \{size: 32x32, method: 'crop'\} gives\n\s+\(Image 32x32 \(jpeg \d+x(\d+): crop \1x\1 at \(\d+,0\), resize to 32x32\), \d\)/);
    // The images are smaller than 32 px, so their enlargement is left to the augmentation's one resample.
    assert.match(text, /applying ToTensor gives\n\s+\(Tensor uint8 of size 3x(\d+)x\1, standing for 32x32 \(enlarged in the batch resample\), \d\)/);
    assert.match(text, /Collating items in a batch\n\s+\(Tensor uint8 of size 3x3x(\d+)x\1, Tensor int64 of size 3\)\n\s+\(images at their decoded size, \d+x\d+, \d+x\d+, \d+x\d+, stand for 32x32: the batch resample enlarges them\)/);
    assert.match(text, /applying AffineCoordTfm .* gives\n\s+\(Tensor float32 of size 3x3x24x24, Tensor int64 of size 3\)/);
    assert.match(text, /applying Lighting .* gives/);
  });

  it('when a step throws, prints the failing step, its input and the error, then rethrows', async (t) => {
    const root = tempDir(t);
    await writeClassImages(root, ['ant', 'bee'], 3);
    writeFileSync(join(root, 'aaa_0.jpg'), 'not really a jpeg'); // sorts first: the sample summary builds
    const dblock = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()],
      getItems: getImageFiles,
      getY: RegexLabeller(/([a-z]+)_\d+\.jpg$/),
      splitter: () => [[0, 1, 2, 4], [3, 5, 6]],
    });
    const out = capture();
    await assert.rejects(dblock.summary(root, { print: out.print }), ImageReadError);
    assert.match(out.text(), /applying identity gives\n\s+.*aaa_0\.jpg\n\s+applying Image\.open failed\n\s+on: .*aaa_0\.jpg\n\s+error: cannot read image .*aaa_0\.jpg/);

    const badLabel = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()],
      getItems: getImageFiles,
      getY: RegexLabeller(/(bee)_\d+\.jpg$/),
    });
    const out2 = capture();
    await assert.rejects(badLabel.summary(root, { print: out2.print }), /does not match/);
    assert.match(out2.text(), /Found 7 items\nBuilding the datasets \(splitting, getters, labels\) failed:\n\s+error: RegexLabeller: the pattern/);
  });
});
