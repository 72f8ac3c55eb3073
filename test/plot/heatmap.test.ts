import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCellSize, heatmap } from '../../src/plot/index.js';
import { count, decode, frameScale, rgb, texts, type Pixels } from './pixels.js';

const bluish = (r: number, g: number, b: number): boolean => !(r > 252 && g > 252 && b > 252) && b - r >= 5;

/** The longest run of indices where `ok` holds, gaps of up to 3 (cell borders) bridged. */
function longestRun(n: number, ok: (i: number) => boolean): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let start = -1;
  let last = -10;
  for (let i = 0; i < n; i++) {
    if (!ok(i)) continue;
    if (i - last > 4) start = i;
    last = i;
    if (i - start + 1 > best.length) best = { start, length: i - start + 1 };
  }
  return best;
}

/** Finds the block of cells in the pixels (the colour legend is a narrow strip beside it). */
function cellBlock(px: Pixels, nrows: number, ncols: number, cell: number): { x0: number; y0: number; w: number; h: number } {
  const xs = longestRun(px.width, (x) => count(px, bluish, { x0: x, y0: 0, x1: x + 1, y1: px.height }) >= 0.7 * nrows * cell);
  const ys = longestRun(px.height, (y) => count(px, bluish, { x0: xs.start, y0: y, x1: xs.start + xs.length, y1: y + 1 }) >= 0.7 * xs.length);
  return { x0: xs.start, y0: ys.start, w: xs.length, h: ys.length };
}

function labelY(svg: string, label: string): number {
  const m = new RegExp(`<text text-anchor="end" transform="translate\\(-?[\\d.]+,([\\d.]+)\\)"[^>]*>${label}</text>`).exec(svg);
  assert.ok(m, `row label ${label} is drawn`);
  return Number(m[1]);
}

describe('heatmap', () => {
  it('colours cells dark blue where values are high and light where low, rows top to bottom, columns left to right', async () => {
    const cell = 40;
    const values = [
      [9, 0, 4],
      [0, 9, 0],
    ];
    const blank = values.map((r) => r.map(() => ''));
    const fig = heatmap({ values, rowLabels: ['a', 'b'], colLabels: ['x', 'y', 'z'], text: blank, cellSize: cell });
    const px = await decode(await fig.toPNG());
    assert.deepEqual([px.width, px.height], [fig.width, fig.height]);
    const block = cellBlock(px, 2, 3, cell);
    assert.ok(Math.abs(block.w - 3 * cell) <= 2 && Math.abs(block.h - 2 * cell) <= 2, `the cells take 3 x 2 cells of ${cell} px (${block.w} x ${block.h})`);
    const centre = (r: number, c: number) => rgb(px, block.x0 + (c + 0.5) * cell, block.y0 + (r + 0.5) * cell);
    const dark = ([r, g, b]: number[]) => r! < 60 && g! < 100 && b! > 90;
    const light = ([r, g, b]: number[]) => r! > 225 && g! > 230 && b! > 240;
    assert.ok(dark(centre(0, 0)) && dark(centre(1, 1)), `high values are dark blue: ${centre(0, 0)} ${centre(1, 1)}`);
    assert.ok(light(centre(0, 1)) && light(centre(1, 0)) && light(centre(1, 2)), `zeros are near white: ${centre(0, 1)}`);
    const mid = centre(0, 2);
    assert.ok(!dark(mid) && !light(mid) && mid[2] > mid[0], `4 of 9 is a middle blue: ${mid}`);
  });

  it('draws the counts in the cells, white on dark cells and dark on light ones', async () => {
    const cell = 40;
    const fig = heatmap({ values: [[88, 1], [1, 88]], rowLabels: ['a', 'b'], colLabels: ['x', 'y'], cellSize: cell });
    const svg = await fig.toSVG();
    const cellTexts = texts(svg).filter((t) => /^\d+$/.test(t)).slice(0, 4); // then the legend's 0 and 88
    assert.deepEqual(cellTexts, ['88', '1', '1', '88']);
    const px = await decode(await fig.toPNG());
    const block = cellBlock(px, 2, 2, cell);
    const inner = (r: number, c: number) => ({ x0: block.x0 + c * cell + 6, y0: block.y0 + r * cell + 6, x1: block.x0 + (c + 1) * cell - 6, y1: block.y0 + (r + 1) * cell - 6 });
    assert.ok(count(px, (r, g, b) => r > 200 && g > 200 && b > 200, inner(0, 0)) > 15, 'white text on the dark cell');
    assert.ok(count(px, (r, g, b) => r < 90 && g < 90 && b < 110, inner(0, 1)) > 8, 'dark text on the light cell');
  });

  it('keeps the label order given (no alphabetical sort) and allows a title, axis titles and a legend title', async () => {
    const fig = heatmap({ values: [[1, 2, 3], [4, 5, 6], [7, 8, 9]], rowLabels: ['zebra', 'apple', 'mango'], colLabels: ['zz', 'aa', 'mm'], title: 'Confusion matrix', xLabel: 'Predicted', yLabel: 'Actual', colorLabel: 'count' });
    const svg = await fig.toSVG();
    const ys = ['zebra', 'apple', 'mango'].map((l) => labelY(svg, l));
    assert.ok(ys[0]! < ys[1]! && ys[1]! < ys[2]!, `rows top to bottom as given: ${ys}`);
    const t = texts(svg);
    assert.deepEqual(t.filter((x) => ['zz', 'aa', 'mm'].includes(x)), ['zz', 'aa', 'mm']);
    for (const l of ['Confusion matrix', 'Predicted', 'Actual', 'count']) assert.ok(t.includes(l), l);
    assert.equal(frameScale(svg), 1);
  });

  it('37 x 37 with breed names: every label drawn, columns rotated, a figure of a reasonable size', async () => {
    const breeds = ['Abyssinian', 'Bengal', 'Birman', 'Bombay', 'British_Shorthair', 'Egyptian_Mau', 'Maine_Coon', 'Persian', 'Ragdoll', 'Russian_Blue', 'Siamese', 'Sphynx',
      'american_bulldog', 'american_pit_bull_terrier', 'basset_hound', 'beagle', 'boxer', 'chihuahua', 'english_cocker_spaniel', 'english_setter', 'german_shorthaired',
      'great_pyrenees', 'havanese', 'japanese_chin', 'keeshond', 'leonberger', 'miniature_pinscher', 'newfoundland', 'pomeranian', 'pug', 'saint_bernard', 'samoyed',
      'scottish_terrier', 'shiba_inu', 'staffordshire_bull_terrier', 'wheaten_terrier', 'yorkshire_terrier'];
    assert.equal(breeds.length, 37);
    const values = breeds.map((_, r) => breeds.map((_, c) => (r === c ? 20 + (r % 7) : (r * 5 + c) % 13 === 0 ? 2 : 0)));
    const fig = heatmap({ values, rowLabels: breeds, colLabels: breeds, xLabel: 'Predicted', yLabel: 'Actual', title: 'Confusion matrix' });
    assert.equal(defaultCellSize(37), 22);
    const svg = await fig.toSVG();
    const t = texts(svg);
    for (const b of breeds) assert.equal(t.filter((x) => x === b).length, 2, `${b} labels a row and a column`);
    assert.match(svg, /rotate\(-90\)/);
    assert.equal(frameScale(svg), 1, 'nothing is shrunk to fit');
    assert.ok(fig.width > 37 * 22 && fig.width < 1300 && fig.height > 37 * 22 && fig.height < 1300, `size ${fig.width} x ${fig.height}`);
    const px = await decode(await fig.toPNG());
    assert.deepEqual([px.width, px.height], [fig.width, fig.height]);
    assert.ok(count(px, (r, g, b) => r < 60 && b > 90) > 37 * 100, 'the diagonal is dark');
  });

  it('checks the shape of its input', () => {
    assert.throws(() => heatmap({ values: [[1, 2]], rowLabels: ['a', 'b'], colLabels: ['x', 'y'] }), /values has 1 rows but rowLabels has 2 labels/);
    assert.throws(() => heatmap({ values: [[1, 2]], rowLabels: ['a'], colLabels: ['x'] }), /values\[0\] has 2 values but colLabels has 1/);
    assert.throws(() => heatmap({ values: [[NaN]], rowLabels: ['a'], colLabels: ['x'] }), /values\[0\]\[0\] must be a number, got NaN/);
    assert.throws(() => heatmap({ values: [[1]], rowLabels: ['a'], colLabels: ['x'], text: [['1', '2']] }), /text must have the shape of values \(1 x 1\)/);
  });
});
