// Recorder.history (every fit of a run, lrFind's left out), learn.lrFindResult, and the
// plots of a whole run (joinFits, runLossPanel), on the tiny synthetic problem.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorRate, joinFits, Learner, plotLrFind, runLossPanel, schedPanels, setSeed, steep, valley } from '../../src/index.js';
import { pointDls, TinyNet } from './synthetic.js';

async function learner(): Promise<Learner> {
  setSeed(0);
  return new Learner(await pointDls(), new TinyNet(), { quiet: true, metrics: [errorRate] });
}

describe('Recorder.history', () => {
  it('fineTune(1) with freezeEpochs 1 keeps two fits, the first frozen; lrFind adds none', async () => {
    const learn = await learner();
    const found = await learn.lrFind({ numIt: 12 });
    assert.equal(learn.recorder.history.length, 0, 'lrFind is not part of the run');
    await learn.fineTune(1, found.valley, { freezeEpochs: 1 });
    const h = learn.recorder.history;
    assert.equal(h.length, 2);
    const [frozen, unfrozen] = h as [typeof h[0], typeof h[0]];
    assert.deepEqual(frozen.names, ['epoch', 'train_loss', 'valid_loss', 'error_rate', 'time']);
    for (const fit of h) {
      assert.equal(fit.nEpoch, 1);
      assert.deepEqual(fit.epochs, [0]);
      assert.equal(fit.values.length, 1);
      assert.equal(fit.values[0]!.length, 3);
      assert.equal(fit.losses.length, 4, '64 training points / bs 16');
      assert.equal(fit.lrs.length, 4);
      assert.deepEqual(fit.iters, [4]);
      assert.equal(fit.groups, 2);
      assert.equal(fit.stopped, false);
      assert.equal(fit.hps.lr!.length, 4, 'fitOneCycle scheduled the lr of every batch');
      assert.equal(fit.hps.lr![0]!.length, 2, 'one value per group');
    }
    assert.equal(frozen.frozenGroups, 1);
    assert.equal(unfrozen.frozenGroups, 0);
    // fineTune's second fit uses half the base lr at its top (lrMax), a slice over the groups
    assert.ok(Math.abs(unfrozen.startLrs[1]! - found.valley / 2) < 1e-12, `${unfrozen.startLrs[1]} vs ${found.valley / 2}`);
    assert.ok(unfrozen.startLrs[0]! < unfrozen.startLrs[1]!);
    // The last fit is what the per-fit fields show.
    assert.deepEqual(unfrozen.values, learn.recorder.values);
    assert.deepEqual(unfrozen.losses, learn.recorder.losses);
    assert.deepEqual(unfrozen.hps, learn.recorder.hps);

    // Another lrFind and a fit later: still nothing from lrFind, the earlier fits unchanged.
    const before = structuredClone(h.map((f) => ({ values: f.values, losses: f.losses, hps: f.hps })));
    await learn.lrFind({ numIt: 12 });
    await learn.fit(2, 1e-3);
    const h2 = learn.recorder.history;
    assert.equal(h2.length, 3);
    assert.deepEqual(h2.slice(0, 2).map((f) => ({ values: f.values, losses: f.losses, hps: f.hps })), before);
    assert.equal(h2[2]!.values.length, 2);
    assert.deepEqual(h2[2]!.epochs, [0, 1]);
    assert.deepEqual(h2[2]!.hps, {}, 'a plain fit schedules nothing');
  });

  it('a stopped fit is marked and keeps the epochs it ran', async () => {
    const learn = await learner();
    const controller = new AbortController();
    controller.abort();
    await learn.fit(3, 1e-3, { signal: controller.signal });
    const [fit] = learn.recorder.history;
    assert.equal(fit!.stopped, true);
    assert.equal(fit!.nEpoch, 3);
    assert.ok(fit!.values.length < 3);
  });
});

describe('learn.lrFindResult', () => {
  it('is null before lrFind, then holds the last run: its curve and every suggestion', async () => {
    const learn = await learner();
    assert.equal(learn.lrFindResult, null);
    const first = await learn.lrFind({ numIt: 12 });
    assert.deepEqual(learn.lrFindResult!.suggestions, { valley: first.valley });
    const second = await learn.lrFind({ numIt: 20, suggestFuncs: [valley, steep] });
    const r = learn.lrFindResult!;
    assert.deepEqual(r.suggestions, { valley: second.valley, steep: second.steep });
    assert.deepEqual(r.points, second.points);
    assert.deepEqual(r.lrs, second.lrs);
    assert.deepEqual(r.losses, second.losses);
    assert.equal(r.lrs.length, 20);
    // it draws as the lr finder's curve, with the suggestions' values in the labels
    const png = await plotLrFind(r);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
  });
});

describe('valley on a short curve', () => {
  it("picks the last lr when the decreasing run starts at 0 and is short (fastai's index -1, Python's last)", () => {
    const lrs = [1e-6, 1e-5, 1e-4, 1e-3];
    // the run 1.87, 1.70 starts at 0: fastai's start is 0 - 1 = -1, sections 2/3, index -1
    assert.deepEqual(valley(lrs, [1.87, 1.7, 1.76, 2.24], 10), { lr: 1e-3, point: { lr: 1e-3, loss: 2.24 } });
    assert.equal(valley([1e-5, 1e-4], [5, 4], 10).lr, 1e-4);
  });
});

describe('plots of a whole run', () => {
  it('joinFits numbers batches and epochs across fits; runLossPanel draws one training series per fit', async () => {
    const learn = await learner();
    await learn.fineTune(1, 1e-2, { freezeEpochs: 1 });
    await learn.fit(1, 1e-3);
    const h = learn.recorder.history;
    const joined = joinFits(h);
    assert.deepEqual(joined.starts, [0, 4, 8]);
    assert.equal(joined.losses.length, 12);
    assert.deepEqual(joined.iters, [4, 8, 12]);
    assert.equal(joined.values.length, 3);
    // the plain fit has no schedule: its last group's lr is filled in, the other group is NaN
    assert.equal(joined.hps.lr!.length, 12);
    assert.deepEqual(joined.hps.lr![8], [NaN, 1e-3]);
    const [lrPanel] = schedPanels(joined, { keys: ['lr'] });
    assert.equal(lrPanel!.series.length, 2, 'the groups differ (discriminative rates)');
    assert.equal(lrPanel!.series[1]!.y.length, 12);

    const panel = runLossPanel(h, { skipStart: 0, fitNames: ['frozen', 'unfrozen', 'fit'] });
    assert.deepEqual(panel.series.map((s) => s.name), ['frozen train', 'unfrozen train', 'fit train', 'valid']);
    assert.deepEqual(panel.series[1]!.x, [4, 5, 6, 7]);
    assert.deepEqual(panel.series[1]!.y, h[1]!.losses);
    assert.deepEqual(panel.series[3]!.x, [4, 8, 12]);
    assert.deepEqual(panel.series[3]!.y, h.map((f) => f.values[0]![1]));
    // skipStart leaves out the run's first batches only
    const skipped = runLossPanel(h, { skipStart: 5 });
    assert.deepEqual(skipped.series.map((s) => s.name), ['fit 2 train', 'fit 3 train', 'valid']);
    assert.deepEqual(skipped.series[0]!.x, [5, 6, 7]);
    assert.throws(() => joinFits([]), /no fits to join/);
  });
});
