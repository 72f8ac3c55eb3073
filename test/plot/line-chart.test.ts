import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineChart, PALETTE } from '../../src/plot/index.js';
import { count, decode, frameScale, near, nonWhite, texts } from './pixels.js';

const steps = Array.from({ length: 50 }, (_, i) => i);
const lossPanel = {
  series: [
    { name: 'train', x: steps, y: steps.map((i) => 2 * Math.exp(-i / 15) + 0.3) },
    { name: 'valid', x: steps.filter((i) => i % 10 === 9), y: steps.filter((i) => i % 10 === 9).map((i) => 2 * Math.exp(-i / 18) + 0.45) },
  ],
  xLabel: 'iteration',
  yLabel: 'loss',
  title: 'Losses',
};

describe('lineChart', () => {
  it('draws a PNG of the figure\'s size with each series in its colour, a legend and the axis titles', async () => {
    const fig = lineChart(lossPanel);
    const px = await decode(await fig.toPNG());
    assert.deepEqual([px.width, px.height], [fig.width, fig.height]);
    assert.ok(fig.width > 480 && fig.height > 300, 'the plot area is 480 x 300 and axes come on top');
    assert.ok(near(px, PALETTE[0], 40) > 300, 'the train line is drawn in tab10 blue');
    assert.ok(near(px, PALETTE[1], 40) > 100, 'the valid line is drawn in tab10 orange');
    const svg = await fig.toSVG();
    assert.match(svg, /^<svg /);
    for (const label of ['train', 'valid', 'iteration', 'loss', 'Losses']) assert.ok(texts(svg).includes(label), `${label} is drawn`);
    assert.equal(frameScale(svg), 1, 'the frame is big enough for the chart');
  });

  it('scale 2 gives a PNG twice the size', async () => {
    const fig = lineChart(lossPanel, { width: 200, height: 120 });
    const px = await decode(await fig.toPNG({ scale: 2 }));
    assert.deepEqual([px.width, px.height], [2 * fig.width, 2 * fig.height]);
    await assert.rejects(fig.toPNG({ scale: 0 }), /scale must be a positive number, got 0/);
  });

  it('a log x axis over 1e-7..10 with readable labels, markers drawn as a dot with their label', async () => {
    const lrs = Array.from({ length: 100 }, (_, i) => 1e-7 * 10 ** ((8 * i) / 99));
    const losses = lrs.map((lr) => 2.5 - 0.5 * Math.tanh(Math.log10(lr) + 3) + (lr > 1 ? lr : 0));
    const fig = lineChart({ series: [{ x: lrs, y: losses }], xScale: 'log', xLabel: 'Learning Rate', yLabel: 'Loss', markers: [{ x: 1.2e-3, y: 2.1, label: 'valley: 1.2e-3' }] });
    const svg = await fig.toSVG();
    const labels = texts(svg);
    for (const l of ['1e-7', '1e-5', '0.001', '1', '10', 'valley: 1.2e-3', 'Learning Rate']) assert.ok(labels.includes(l), `${l} among ${labels.join(' | ')}`);
    assert.ok(!labels.some((l) => /0\.00000/.test(l)), 'small powers of ten are written 1e-5, not 0.00001');
    assert.ok(!labels.includes('series 1'), 'unnamed series have no legend');
    const px = await decode(await fig.toPNG());
    assert.ok(near(px, '#d62728', 40) > 30, 'the marker dot is drawn in red');
    assert.ok(near(px, PALETTE[0], 40) > 300, 'the curve is drawn');
    assert.equal(frameScale(svg), 1, 'the frame is big enough for the chart');
  });

  it('skips points a log axis cannot show (<= 0) and non-finite ones', async () => {
    const fig = lineChart({ series: [{ x: [0, 1e-3, 1e-2, 1e-1], y: [1, NaN, 2, 3] }], xScale: 'log' });
    const px = await decode(await fig.toPNG());
    assert.ok(near(px, PALETTE[0], 40) > 100);
    assert.ok(!/NaN|Infinity/.test(await fig.toSVG()));
  });

  it('a grid of panels, `columns` per row, with an overall title; point series', async () => {
    const panels = ['accuracy', 'error_rate', 'train_loss', 'valid_loss'].map((title, k) => ({
      title,
      xLabel: 'epoch',
      series: [{ name: 'value', x: [0, 1, 2, 3], y: [k, k + 1, k + 0.5, k + 2], mark: 'point' as const }],
    }));
    const fig = lineChart(panels, { columns: 2, width: 200, height: 120, title: 'Metrics' });
    const svg = await fig.toSVG();
    for (const l of ['accuracy', 'error_rate', 'train_loss', 'valid_loss', 'Metrics']) assert.ok(texts(svg).includes(l), l);
    const oneRow = lineChart(panels, { width: 200, height: 120, columns: 4 });
    assert.ok(fig.width > 2 * 200 && fig.width < oneRow.width - 2 * 200, `two panels per row (width ${fig.width} vs ${oneRow.width} in one row)`);
    assert.ok(fig.height > 2 * 120 && fig.height > oneRow.height + 120, `two rows (height ${fig.height} vs ${oneRow.height})`);
    assert.equal(frameScale(svg), 1, 'the frame is big enough for the chart');
    const px = await decode(await fig.toPNG());
    assert.ok(near(px, PALETTE[0], 40) > 4 * 4 * 10, 'the points are drawn in every panel');
    assert.ok(nonWhite(px) > 5000);
  });

  it('checks its arguments and says what is wrong', () => {
    assert.throws(() => lineChart({ series: [{ x: [1, 2], y: [1] }] }), /panels\[0\]\.series\[0\] has 2 x values but 1 y values/);
    assert.throws(() => lineChart([]), /at least one panel/);
    assert.throws(() => lineChart({ series: [] }, { columns: 0 }), /columns must be an integer >= 1, got 0/);
    assert.throws(() => lineChart({ series: [], xScale: 'ln' as 'log' }), /xScale must be 'linear' or 'log', got ln/);
  });

  it('renders an empty panel (axes only) without failing', async () => {
    const px = await decode(await lineChart({ series: [], title: 'nothing yet' }).toPNG());
    assert.ok(count(px, (r) => r < 128) > 50, 'the title and frame are drawn');
  });
});
