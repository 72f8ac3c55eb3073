import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { torch, type Tensor } from '../../src/index.js';
import { Rng, type ItemContext } from '../../src/data/index.js';
import { drawGrid, Image, ImageReadError, RandomResizedCrop, randomCropBox, Resize, ToTensor, verifyImages } from '../../src/vision/index.js';
import { imageBytes, tempDir, writeImage } from '../data/fixtures.js';

const train = (seed = 0): ItemContext => ({ split: 'train', rng: new Rng(seed), batchTfms: [] });
const valid: ItemContext = { split: 'valid', rng: new Rng(0), batchTfms: [] };

async function pixels(img: Image): Promise<Tensor> {
  return img.toTensor();
}

function at(t: Tensor, c: number, y: number, x: number): number {
  return torch.tidy(() => t.select(0, c).select(0, y).select(0, x).item());
}

describe('Image: decoding with sharp', () => {
  it('decodes by content, not extension: PNG, GIF and WebP named .jpg', async (t) => {
    const dir = tempDir(t);
    for (const format of ['png', 'gif', 'webp'] as const) {
      const file = await writeImage(join(dir, `${format}-really.jpg`), { format, width: 12, height: 8 });
      const img = await Image.open(file);
      assert.equal(img.format, format);
      const x = await pixels(img);
      assert.deepEqual(x.shape, [3, 8, 12]);
      assert.equal(x.dtype, 'uint8');
      x.dispose();
    }
  });

  it('applies the EXIF orientation', async () => {
    // stored 40 wide x 20 tall, red on the left half; orientation 6 turns it to 20 x 40, red on top
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) raw[(y * 40 + x) * 3] = 255;
    const jpg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await Image.open(jpg);
    assert.deepEqual(img.size, [20, 40]);
    const x = await pixels(img);
    assert.deepEqual(x.shape, [3, 40, 20]);
    assert.ok(at(x, 0, 2, 10) > 200 && at(x, 0, 37, 10) < 50, 'red ends up on top');
    // crops are in oriented coordinates
    const top = await pixels(img.crop({ left: 0, top: 0, width: 20, height: 15 }));
    assert.ok(at(top, 0, 14, 19) > 200);
    torch.dispose([x, top]);
  });

  it('converts grey, grey+alpha, RGBA, 16-bit and CMYK to 8-bit 3-channel RGB', async () => {
    for (const channels of [1, 2, 4] as const) {
      const x = await pixels(await Image.open(await imageBytes({ channels, format: 'png' })));
      assert.deepEqual(x.shape, [3, 16, 24], `${channels} channels`);
      if (channels <= 2) assert.equal(at(x, 0, 3, 20), at(x, 2, 3, 20), 'grey stays grey');
      x.dispose();
    }
    const deep = await sharp(await imageBytes({ format: 'png' })).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(deep).metadata()).depth, 'ushort');
    const d = await pixels(await Image.open(deep));
    assert.deepEqual([d.dtype, ...d.shape], ['uint8', 3, 16, 24]);
    assert.ok(Math.abs(at(d, 0, 3, 5) - 200) <= 1, `16-bit scaled to 8-bit, got ${at(d, 0, 3, 5)}`);
    d.dispose();
    const cmyk = await sharp(await imageBytes()).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const x = await pixels(await Image.open(cmyk));
    assert.deepEqual(x.shape, [3, 16, 24]);
    x.dispose();
  });

  it('names the file of a corrupt or truncated image', async (t) => {
    const dir = tempDir(t);
    const junk = join(dir, 'junk.jpg');
    writeFileSync(junk, 'this is not an image');
    await assert.rejects(Image.open(junk), (e: Error) => e instanceof ImageReadError && e.message.includes(junk) && /onError: 'skip'/.test(e.message));
    const good = await writeImage(join(dir, 'good.jpg'), { width: 64, height: 48 });
    const truncated = join(dir, 'truncated.jpg');
    const bytes = readFileSync(good);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    // depending on where the cut falls, the header or the pixel data is found broken
    await assert.rejects(
      (async () => (await Image.open(truncated)).toTensor())(),
      (e: Error) => e instanceof ImageReadError && e.message.includes(truncated),
    );
    assert.deepEqual(await verifyImages([good, junk, truncated]), [junk, truncated]);
    await assert.rejects(Image.open(join(dir, 'gone.jpg')), /cannot read image .*gone\.jpg: .*Check the path/);
  });

  it('does crop, resize and pad in one pass and reports the plan', async () => {
    const img = await Image.open(await imageBytes({ width: 40, height: 20, format: 'png' }));
    const planned = img.resize(80, 40).crop({ left: 10, top: 5, width: 30, height: 30 }).pad({ left: 2, right: 3 }, 'zeros');
    assert.deepEqual(planned.size, [35, 30]);
    assert.match(String(planned), /Image 35x30 \(png 40x20: resize to 80x40, crop 30x30 at \(10,5\), pad 2,0,3,0 \(zeros\)\)/);
    const x = await pixels(planned);
    assert.deepEqual(x.shape, [3, 30, 35]);
    assert.equal(at(x, 0, 10, 0), 0, 'zero padding is black');
    assert.ok(at(x, 0, 10, 5) > 100);
    x.dispose();
    assert.throws(() => img.crop({ left: 30, top: 0, width: 20, height: 5 }), /not inside the 40x20 image/);
  });
});

describe('item transforms: Resize, RandomResizedCrop, ToTensor', () => {
  it('Resize crop: centre on validation items, a random position on training items, fastai-style', async () => {
    const img = await Image.open(await imageBytes({ width: 60, height: 20, format: 'png' }));
    const r = Resize(10);
    const v = r.apply(img, valid) as Image;
    assert.match(String(v), /resize to 30x10, crop 10x10 at \(10,0\)/);
    const lefts = new Set(Array.from({ length: 20 }, (_, s) => /at \((\d+),/.exec(String(r.apply(img, train(s))))![1]));
    assert.ok(lefts.size > 5, `random crop positions, got ${[...lefts]}`);
    // the gradient runs left to right: the centre crop's mean blue sits in the middle
    const x = await pixels(v);
    const mid = torch.tidy(() => x.select(0, 2).float().mean().item());
    assert.ok(mid > 100 && mid < 155, `centre crop mean ${mid}`);
    x.dispose();
    assert.equal(r.apply('not an image', valid), 'not an image');
  });

  it('Resize pad and squish keep the whole image', async () => {
    const img = await Image.open(await imageBytes({ width: 40, height: 20, format: 'png' }));
    assert.match(String(Resize(20, { method: 'pad', padMode: 'zeros' }).apply(img, valid)), /resize to 20x10, pad 0,5,0,5 \(zeros\)/);
    assert.match(String(Resize([10, 30], { method: 'squish' }).apply(img, valid)), /Image 30x10 .*resize to 30x10\)/);
    const padded = await pixels(Resize(20, { method: 'pad' }).apply(img, train(1)) as Image);
    assert.deepEqual(padded.shape, [3, 20, 20]);
    padded.dispose();
    // upscaling crops first (only the kept pixels are resampled); shrinking 2x or more resizes first (JPEG shrink-on-load)
    assert.match(String(Resize(40).apply(img, valid)), /crop 20x20 at \(10,0\), resize to 40x40/);
    assert.match(String(Resize(8).apply(img, valid)), /resize to 16x8, crop 8x8 at \(4,0\)/);
    assert.throws(() => Resize(0), /positive integer/);
    assert.throws(() => Resize(10, { method: 'zoom' as 'crop' }), /method must be/);
  });

  it('RandomResizedCrop: random area and aspect when training, centre crop when validating', async () => {
    const rng = new Rng(2);
    for (let i = 0; i < 100; i++) {
      const b = randomCropBox(100, 80, rng, 0.08, 1, [3 / 4, 4 / 3]);
      assert.ok(b.left >= 0 && b.top >= 0 && b.left + b.width <= 100 && b.top + b.height <= 80);
      assert.ok((b.width * b.height) / 8000 >= 0.07);
    }
    const img = await Image.open(await imageBytes({ width: 50, height: 40, format: 'png' }));
    const rrc = RandomResizedCrop(16, { minScale: 0.5 });
    const tr = await pixels(rrc.apply(img, train(3)) as Image);
    const va = await pixels(rrc.apply(img, valid) as Image);
    assert.deepEqual(tr.shape, [3, 16, 16]);
    assert.deepEqual(va.shape, [3, 16, 16]);
    assert.match(String(rrc.apply(img, valid)), /resize to 23x18, crop 16x16 at \(3,1\)/);
    torch.dispose([tr, va]);
  });

  it('ToTensor decodes to uint8 CHW with the pixel values of the file', async () => {
    const img = await Image.open(await imageBytes({ width: 5, height: 3, format: 'png', color: [10, 20, 0] }));
    const x = (await ToTensor().apply(img, valid)) as Tensor;
    assert.deepEqual(x.shape, [3, 3, 5]);
    assert.deepEqual([at(x, 0, 1, 4), at(x, 1, 1, 4), at(x, 2, 1, 0), at(x, 2, 1, 4)], [10, 20, 0, 255]);
    x.dispose();
  });
});

describe('drawGrid', () => {
  it('draws a PNG grid with captions above the images', async () => {
    const x = torch.rand([5, 3, 20, 30]);
    const png = await drawGrid(x, Array.from({ length: 5 }, (_, i) => [{ text: `label ${i}` }, { text: 'pred', color: 'red' }]), { nrows: 2, ncols: 3, cellSize: 60 });
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    // 3 columns of 60 px + 4 gaps of 8; 2 rows of (40 px + 40 px of captions) + 3 gaps
    assert.deepEqual([meta.width, meta.height], [3 * 60 + 4 * 8, 2 * (40 + 40) + 3 * 8]);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    let dark = 0;
    let red = 0;
    for (let y = 8; y < 8 + 40; y++) {
      for (let xx = 8; xx < 68; xx++) {
        const o = (y * info.width + xx) * info.channels;
        if (data[o]! < 128 && data[o + 1]! < 128) dark++;
        if (data[o]! > 150 && data[o + 1]! < 100) red++;
      }
    }
    assert.ok(dark > 20, 'the caption text is drawn');
    assert.ok(red > 5, 'the second caption line is red');
    x.dispose();
  });

  it("format 'svg' gives an SVG with the images embedded and the captions as text", async () => {
    const x = torch.rand([2, 1, 10, 10]);
    const svg = (await drawGrid(x, [[{ text: 'cat' }], [{ text: 'dog' }]], { format: 'svg', cellSize: 40 })).toString('utf8');
    x.dispose();
    assert.match(svg, /^<svg /);
    assert.equal(svg.match(/<image /g)?.length, 2);
    assert.match(svg, />cat<\/text>/);
    assert.match(svg, />dog<\/text>/);
  });
});
