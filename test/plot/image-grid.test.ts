import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageGrid, textWidth, type RgbImage } from '../../src/plot/index.js';
import { count, decode, ink, rgb, texts } from './pixels.js';

function solid(width: number, height: number, color: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(color, i * 3);
  return { data, width, height, channels: 3 };
}

const white = solid(16, 16, [255, 255, 255]);

describe('imageGrid', () => {
  it('places each image in its cell, scaled to cellSize, with the caption lines above', async () => {
    const cells = [
      { image: solid(30, 20, [255, 0, 0]), caption: [{ text: 'red' }] },
      { image: solid(30, 20, [0, 0, 255]), caption: [{ text: 'blue' }, { text: 'wrong', color: 'red' }] },
      { image: { data: new Uint8Array(30 * 20).fill(0), width: 30, height: 20, channels: 1 as const } },
    ];
    const fig = imageGrid(cells, { ncols: 2, cellSize: 60 });
    // 2 columns of 60 px + 3 gaps of 8; 2 rows of (40 px + 2 caption lines of 18 + 4) + 3 gaps
    assert.deepEqual([fig.width, fig.height], [2 * 60 + 3 * 8, 2 * (40 + 40) + 3 * 8]);
    const px = await decode(await fig.toPNG());
    assert.deepEqual([px.width, px.height], [fig.width, fig.height]);
    assert.deepEqual(rgb(px, 8 + 30, 8 + 40 + 20), [255, 0, 0], 'first image, below its caption');
    assert.deepEqual(rgb(px, 8 + 60 + 8 + 30, 8 + 40 + 20), [0, 0, 255], 'second image to its right');
    assert.deepEqual(rgb(px, 8 + 30, 2 * 8 + 80 + 40 + 20), [0, 0, 0], 'the grey image on the second row');
    const captionBox = { x0: 8, y0: 8, x1: 68, y1: 48 };
    assert.ok(count(px, (r, g, b) => r < 128 && g < 128 && b < 128, captionBox) > 20, 'the caption is drawn');
    assert.ok(count(px, (r, g, b) => r > 150 && g < 100 && b < 100, { x0: 76, y0: 8, x1: 136, y1: 48 }) > 5, 'the red caption line is red');
  });

  it('captions are drawn in a real font: WWWW has far more ink than iiii', async () => {
    const inkOf = async (text: string) => ink(await decode(await imageGrid([{ image: white, caption: [{ text }] }], { cellSize: 160 }).toPNG()));
    const i = await inkOf('iiiiiiii');
    const w = await inkOf('WWWWWWWW');
    assert.ok(i > 0 && w / i > 2, `ink W ${w} vs i ${i}`);
  });

  it('a title over the grid, and long captions fit their cell (shrunk, then cut with an ellipsis)', async () => {
    const long = 'american_pit_bull_terrier/staffordshire_bull_terrier / 3.14 / 0.27';
    const fig = imageGrid([{ image: white, caption: [{ text: long }] }, { image: white, caption: [{ text: 'pug' }] }], { cellSize: 100, title: 'Prediction/Actual/Loss/Probability' });
    const svg = await fig.toSVG();
    const t = texts(svg);
    assert.ok(t.includes('Prediction/Actual/Loss/Probability'));
    assert.ok(t.includes('pug'));
    const cut = t.find((x) => x.startsWith('american'));
    assert.ok(cut && cut.endsWith('…') && cut.length < long.length, `cut: ${cut}`);
    const size = Number(new RegExp(`font-size="([\\d.]+)"[^>]*>${cut}<`).exec(svg)?.[1]);
    assert.ok(size >= 9 && size < 14, `shrunk to ${size} px, not below 9`);
    assert.ok(textWidth(cut, size) <= 100, 'the cut caption fits its 100 px cell');
  });

  it('toSVG embeds each image as a PNG and the captions as text; it rasterises to the same picture', async () => {
    const fig = imageGrid([{ image: solid(20, 20, [0, 200, 0]), caption: [{ text: 'green' }] }], { cellSize: 50 });
    const svg = await fig.toSVG();
    assert.match(svg, /^<svg /);
    assert.equal(svg.match(/<image [^>]*href="data:image\/png;base64,/g)?.length, 1);
    assert.ok(texts(svg).includes('green'));
    assert.match(svg, /font-family="Open Sans/);
    const fromSvg = await decode(Buffer.from(svg));
    assert.deepEqual([fromSvg.width, fromSvg.height], [fig.width, fig.height]);
    assert.deepEqual(rgb(fromSvg, 8 + 25, 8 + 22 + 25), [0, 200, 0]);
  });

  it('scale 2 doubles the PNG', async () => {
    const fig = imageGrid([{ image: solid(20, 10, [0, 0, 255]), caption: [{ text: 'x' }] }], { cellSize: 40 });
    const px = await decode(await fig.toPNG({ scale: 2 }));
    assert.deepEqual([px.width, px.height], [2 * fig.width, 2 * fig.height]);
    assert.deepEqual(rgb(px, 2 * (8 + 20), 2 * (8 + 22 + 10)), [0, 0, 255]);
  });

  it('checks its input', () => {
    assert.throws(() => imageGrid([]), /no images to draw/);
    assert.throws(() => imageGrid([{ image: { data: new Uint8Array(5), width: 2, height: 2, channels: 3 } }]), /cells\[0\]\.image\.data has 5 bytes; a 2x2 image with 3 channel\(s\) needs 12/);
    assert.throws(() => imageGrid([{ image: white }], { ncols: 0 }), /ncols must be an integer >= 1, got 0/);
  });
});
