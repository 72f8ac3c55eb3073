// The Learner's plots: what they draw (series, axes, markers) follows fastai's plot_loss,
// plot_sched and plot_lr_find, and what they write is a real image with its text inked.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  accuracy, errorRate, Learner, type LrFindCurve, lossPanel, lrFindPanel, metricsPanels, plotLrFind, type RecordedCurves, schedPanels, torch,
} from '../../src/index.js';
import { lineChart } from '../../src/plot/index.js';
import { textInk, texts } from '../plot/pixels.js';
import { pointDls, TinyNet } from './synthetic.js';

/** A recorder's curves made by hand: 12 batches over 3 epochs, two metrics. */
function handRecorder(): RecordedCurves {
  return {
    lrs: Array.from({ length: 12 }, (_, i) => 1e-3 * (i + 1)),
    moms: Array.from({ length: 12 }, (_, i) => 0.95 - 0.01 * i),
    losses: Array.from({ length: 12 }, (_, i) => 2 - 0.1 * i),
    iters: [4, 8, 12],
    values: [[1.7, 1.6, 0.5, 0.5], [1.3, 1.2, 0.3, 0.7], [0.9, 1.0, 0.2, 0.8]],
    hps: {},
    names: ['epoch', 'train_loss', 'valid_loss', 'error_rate', 'accuracy', 'time'],
  };
}

/** Pixels that are not near-white in an encoded image. */
async function ink(png: Buffer): Promise<{ width: number; height: number; dark: number }> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let dark = 0;
  for (const v of data) if (v < 200) dark++;
  return { width: info.width, height: info.height, dark };
}

describe('learner plots: what is drawn', () => {
  it('plotLoss: smoothed losses from skipStart, valid losses at the epochs\' iters', () => {
    const panel = lossPanel(handRecorder(), { skipStart: 5 });
    const [train, valid] = panel.series;
    assert.deepEqual(train!.x, [5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(train!.y, handRecorder().losses.slice(5));
    assert.equal(train!.name, 'train');
    // fastai drops the epochs whose iters fall before skipStart
    assert.deepEqual(valid!.x, [8, 12]);
    assert.deepEqual(valid!.y, [1.2, 1.0]);
    assert.equal(panel.xLabel, 'steps');
    assert.equal(lossPanel(handRecorder(), { withValid: false }).series.length, 1);
    assert.equal(lossPanel(handRecorder(), { log: true }).yScale, 'log');
    assert.throws(() => lossPanel(handRecorder(), { skipStart: -1 }), /skipStart must be an integer >= 0/);
    assert.throws(() => lossPanel({ ...handRecorder(), losses: [] }), /nothing recorded yet; call it after learn.fit/);
  });

  it('plotMetrics: a losses panel, then one panel per metric, per epoch', () => {
    const panels = metricsPanels(handRecorder());
    assert.deepEqual(panels.map((p) => p.title), ['losses', 'error_rate', 'accuracy']);
    assert.deepEqual(panels[0]!.series.map((s) => [s.name, s.y]), [['train', [1.7, 1.3, 0.9]], ['valid', [1.6, 1.2, 1.0]]]);
    assert.deepEqual(panels[2]!.series[0]!.y, [0.5, 0.7, 0.8]);
    assert.deepEqual(panels[1]!.series[0]!.x, [0, 1, 2]);
  });

  it('plotSched: lr and mom per batch, one line per group when the groups differ', () => {
    const rec = handRecorder();
    const plain = schedPanels(rec);
    assert.deepEqual(plain.map((p) => p.title), ['lr', 'mom']);
    assert.deepEqual(plain[0]!.series[0]!.y, rec.lrs);
    const grouped = schedPanels({ ...rec, hps: { lr: rec.lrs.map((v) => [v / 10, v]) } });
    assert.deepEqual(grouped.map((p) => p.title), ['lr']);
    assert.deepEqual(grouped[0]!.series.map((s) => s.name), ['group 0', 'group 1']);
    assert.deepEqual(grouped[0]!.series[1]!.y, rec.lrs);
    assert.throws(() => schedPanels(rec, { keys: ['wd'] }), /'wd' was not scheduled; recorded: lr, mom/);
  });

  it('plotLrFind: loss against a log lr without the last skipEnd batches, suggestions marked and labelled', () => {
    const lrs = Array.from({ length: 20 }, (_, i) => 1e-7 * 10 ** (i * 0.4));
    const losses = lrs.map((_, i) => 3 - 0.1 * i + (i > 15 ? (i - 15) ** 2 : 0));
    const panel = lrFindPanel({ lrs, losses, points: { valley: { lr: lrs[9]!, loss: losses[9]! } } });
    assert.equal(panel.xScale, 'log');
    assert.deepEqual(panel.series[0]!.x, lrs.slice(0, 15));
    assert.deepEqual(panel.markers, [{ x: lrs[9], y: losses[9], label: `valley: ${lrs[9]!.toExponential(2)}` }]);
    // minimum's point is the lowest loss; its label is the suggestion, a tenth of that lr
    const withMin = lrFindPanel({ lrs, losses, minimum: lrs[15]! / 10, points: { minimum: { lr: lrs[15]!, loss: losses[15]! } } } as LrFindCurve);
    assert.deepEqual(withMin.markers, [{ x: lrs[15], y: losses[15], label: `minimum: ${(lrs[15]! / 10).toExponential(2)}` }]);
  });
});

describe('learner plots: what is written', () => {
  let dir = '';
  let learn: Learner;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fastai-ts-plots-'));
    torch.manualSeed(0);
    learn = new Learner(await pointDls({ n: 96, bs: 16 }), new TinyNet(), { quiet: true, metrics: [errorRate, accuracy] });
    await learn.fitOneCycle(2, 1e-2);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the one-cycle schedule recorded by a fit is what plotSched draws', () => {
    const [lr, mom] = schedPanels(learn.recorder);
    assert.equal(lr!.series[0]!.y.length, learn.recorder.lrs.length);
    assert.deepEqual(lr!.series.at(-1)!.y, learn.recorder.lrs); // the last group's lr is the Recorder's
    assert.deepEqual([lr!.title, mom!.title], ['lr', 'mom']);
    assert.deepEqual(mom!.series.at(-1)!.y, learn.recorder.moms); // and its momentum, 0.95 -> 0.85 -> 0.95
  });

  const draw2svg: Record<string, () => Promise<Buffer>> = {
    plotLoss: () => learn.recorder.plotLoss({ format: 'svg' }),
    plotSched: () => learn.recorder.plotSched({ format: 'svg' }),
    plotMetrics: () => learn.recorder.plotMetrics({ format: 'svg' }),
  };
  for (const [name, draw, panels] of [
    ['plotLoss', () => learn.recorder.plotLoss({ file: join(dir, 'loss.png') }), () => [lossPanel(learn.recorder)]],
    ['plotSched', () => learn.recorder.plotSched({ file: join(dir, 'sched.png') }), () => schedPanels(learn.recorder)],
    ['plotMetrics', () => learn.recorder.plotMetrics({ file: join(dir, 'metrics.png') }), () => metricsPanels(learn.recorder)],
  ] as const) {
    it(`${name} writes a PNG of the chart's size with lines and text`, async () => {
      const png = await draw();
      const ps = panels();
      const fig = lineChart(ps, { columns: Math.min(2, ps.length) });
      const written = readFileSync(join(dir, `${name.slice(4).toLowerCase()}.png`));
      assert.deepEqual(written, png);
      const { width, height, dark } = await ink(png);
      assert.equal(width, fig.width);
      assert.equal(height, fig.height);
      assert.ok(dark > 500, `${name}: only ${dark} dark pixels`);
      // its titles, axis titles and tick labels are drawn as text
      const svg = (await draw2svg[name]!()).toString();
      const words = texts(svg);
      for (const label of ps.flatMap((p) => [p.title, p.xLabel, p.yLabel]).filter((l) => l !== undefined)) assert.ok(words.includes(label!), `${name}: no text '${label}'`);
      assert.ok((await textInk(svg)) > 20000, `${name}: its text adds no ink`);
    });
  }

  it('plotLrFind after lrFind writes the curve with each suggestion labelled (SVG when asked)', async () => {
    const found = await learn.lrFind({ numIt: 30 });
    const svg = (await plotLrFind(found, { file: join(dir, 'lr.svg') })).toString();
    assert.equal(readFileSync(join(dir, 'lr.svg'), 'utf8'), svg);
    assert.match(svg, /^<svg|^<\?xml/);
    assert.ok(svg.includes(`valley: ${found.valley.toExponential(2)}`), 'the suggestion is labelled');
    assert.match(svg, /learning rate/);
    const png = await learn.recorder.plotLrFind({ points: found.points });
    const { dark } = await ink(png);
    assert.ok(dark > 500);
  });
});
