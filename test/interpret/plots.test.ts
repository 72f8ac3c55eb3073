/**
 * plotConfusionMatrix and plotTopLosses: the PNGs decode, have a size that fits what was drawn,
 * are not blank, and (top losses) show the right items with their captions inked. Looks at
 * the pixels, and at the SVG for the text.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ClassificationInterpretation, ImageDataLoaders, Learner, nn, Resize, setSeed, type Tensor, torch } from '../../src/index.js';
import { tempDir, writeClassImages } from '../data/fixtures.js';

async function pixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Pixels that are not (near) white. */
function inked(img: { data: Buffer; channels: number }): number {
  let n = 0;
  for (let o = 0; o < img.data.length; o += img.channels) if (img.data[o]! < 235 || img.data[o + 1]! < 235 || img.data[o + 2]! < 235) n++;
  return n;
}

const vocab = ['cat', 'dog', 'fox'];
const hand = new ClassificationInterpretation({
  vocab,
  preds: [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.1, 0.6, 0.3], [0.3, 0.4, 0.3]],
  targs: [0, 1, 1, 2, 2, 2],
});

describe('plotConfusionMatrix', () => {
  it('writes a PNG that decodes, sized for its cells, with ink in it', async (t) => {
    const file = join(tempDir(t), 'sub', 'cm.png');
    const png = await hand.plotConfusionMatrix({ file });
    assert.ok(existsSync(file), 'missing folders are created');
    assert.deepEqual(readFileSync(file), png);
    const img = await pixels(png);
    assert.ok(img.width >= 3 * 22 && img.height >= 3 * 22, `${img.width}x${img.height}`);
    const ink = inked(img);
    assert.ok(ink > 0.05 * img.width * img.height, `only ${ink} inked pixels of ${img.width * img.height}`);
    const big = await pixels(await hand.plotConfusionMatrix({ cellSize: 80 }));
    assert.ok(big.width >= 3 * 80 && big.height >= 3 * 80 && big.width > img.width, `cellSize 80: ${big.width}x${big.height}`);
  });

  it('draws the counts, or row fractions with 2 decimals, with the axis labels and title (SVG text)', async (t) => {
    const dir = tempDir(t);
    const svg = (await hand.plotConfusionMatrix({ file: join(dir, 'cm.svg'), title: 'Pets CM' })).toString();
    assert.match(svg, /^(<\?xml[^>]*>\s*)?<svg/);
    for (const s of ['Pets CM', 'Predicted', 'Actual', ...vocab]) assert.ok(svg.includes(s), `no '${s}' in the SVG`);
    // cm = [[1,0,0],[1,1,0],[0,2,1]]: row fox is 0, 2, 1 -> 0.00 0.67 0.33 when normalised
    assert.deepEqual(hand.confusionMatrix(), [[1, 0, 0], [1, 1, 0], [0, 2, 1]]);
    const norm = (await hand.plotConfusionMatrix({ file: join(dir, 'norm.svg'), normalize: true })).toString();
    for (const s of ['0.67', '0.33', '0.50', '1.00']) assert.ok(norm.includes(`>${s}<`), `no cell text ${s}`);
    assert.ok(!norm.includes('>2<'), 'counts are replaced by fractions');
    assert.ok(svg.includes('>2<'), 'the count 2 is drawn');
  });
});

describe('plotTopLosses', () => {
  /** Two colour classes of small images and a linear model over the mean colour (untrained: any losses will do). */
  async function imageLearner(t: { after: (fn: () => void) => void }) {
    const dir = tempDir(t);
    await writeClassImages(dir, ['red', 'green'], 3, 'train');
    await writeClassImages(dir, ['red', 'green'], 3, 'valid');
    setSeed(1);
    const dls = await ImageDataLoaders.fromFolder(dir, { itemTfms: Resize(24), bs: 4, device: 'cpu', numWorkers: 0 });
    const model = new (class extends nn.Module<[Tensor], Tensor> {
      pool = this.registerModule('pool', new nn.Sequential(new nn.AdaptiveAvgPool2d(1), new nn.Flatten()));
      fc = this.registerModule('fc', new nn.Linear(3, 2));
      forward(x: Tensor) {
        return torch.tidy(() => this.fc.call(this.pool.call(x)));
      }
    })();
    return new Learner(dls, model, { quiet: true });
  }

  it('draws the top-loss items from the loader with their captions inked, and frees every tensor', async (t) => {
    const learn = await imageLearner(t);
    const interp = await ClassificationInterpretation.fromLearner(learn);
    assert.deepEqual(interp.vocab, ['green', 'red']);
    const live = torch.memory().liveTensors;
    const file = join(tempDir(t), 'top.png');
    const png = await interp.plotTopLosses(4, { file, ncols: 2, cellSize: 64 });
    assert.equal(torch.memory().liveTensors, live, 'no tensor left behind');
    assert.deepEqual(readFileSync(file), png);
    const img = await pixels(png);
    assert.ok(img.width >= 2 * 64 && img.height >= 2 * 64, `${img.width}x${img.height}`);
    // The first cell (top left) shows the item with the largest loss: find its colour.
    const px = (x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)] as [number, number, number];
    const isRed = ([r, g]: number[]) => r! > 150 && g! < 100;
    const isGreen = ([r, g]: number[]) => g! > 150 && r! < 100;
    let top = -1;
    let left = -1;
    for (let y = 0; y < img.height && top < 0; y++) {
      for (let x = 0; x < img.width / 2; x++) {
        if (isRed(px(x, y)) || isGreen(px(x, y))) {
          top = y;
          left = x;
          break;
        }
      }
    }
    assert.ok(top > 0, 'an image is drawn');
    const first = interp.topLosses(1).indices[0]!;
    const actual = interp.vocab[interp.targs[interp.itemIndices.indexOf(first)]!];
    const centre = px(left + 32, top + 32);
    assert.ok(actual === 'red' ? isRed(centre) : isGreen(centre), `the first cell should show a ${actual} image, its centre is ${centre}`);
    // Captions sit above each image: between the first row's image and the second row's (no
    // title there) the caption of the item below is the only ink.
    const imageAt = (y: number) => { const p = px(left + 32, y); return isRed(p) || isGreen(p); };
    let bottom = top;
    while (bottom < img.height && imageAt(bottom)) bottom++;
    let next = bottom;
    while (next < img.height && !imageAt(next)) next++;
    assert.ok(next < img.height, 'a second row of images');
    let dark = 0;
    for (let y = bottom; y < next; y++) {
      for (let x = left; x < left + 64 && x < img.width; x++) {
        const [r, g, b] = px(x, y);
        if (r < 120 && g < 120 && b < 120) dark++;
      }
    }
    assert.ok(dark > 30, `the caption band over the third image has ${dark} dark pixels`);
  });

  it("captions each image 'predicted/actual', then 'loss / probability' (fastai's title on two lines, SVG text)", async (t) => {
    const learn = await imageLearner(t);
    const interp = await ClassificationInterpretation.fromLearner(learn);
    const svg = (await interp.plotTopLosses(3, { file: join(tempDir(t), 'top.svg') })).toString();
    const { indices, losses } = interp.topLosses(3);
    indices.forEach((item, i) => {
      const r = interp.itemIndices.indexOf(item);
      const pred = interp.decoded[r]!;
      for (const caption of [`${interp.vocab[pred]}/${interp.vocab[interp.targs[r]!]}`, `${losses[i]!.toFixed(2)} / ${interp.preds[r]![pred]!.toFixed(2)}`]) {
        assert.ok(svg.includes(`>${caption}<`), `no caption line '${caption}' in the SVG`);
      }
    });
    await assert.rejects(interp.plotTopLosses(7), /k must be an integer in \[1, 6\] \(there are 6 items\), got 7/);
  });
});
