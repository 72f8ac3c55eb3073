import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Tensor, torch } from '../../src/index.js';
import {
  AccumMetric, AvgLoss, AvgMetric, AvgSmoothLoss, accuracy, errorRate, metricName, type Metric, toMetric, topKAccuracy,
} from '../../src/learner/metrics.js';
import { assertClose } from '../helpers.js';

/** Feeds `pred`/`targ` to a metric in batches of the given sizes, as the Learner does. */
function runPhase(m: Metric, pred: Tensor, targ: Tensor, sizes: number[]): number | null {
  m.reset();
  let start = 0;
  for (const bs of sizes) {
    torch.tidy(() => {
      const p = pred.narrow(0, start, bs);
      const t = targ.narrow(0, start, bs);
      torch.noGrad(() => m.accumulate({ pred: p, targ: t, loss: torch.zeros([]), bs }));
    });
    start += bs;
  }
  return m.value;
}

describe('metric functions', () => {
  const pred = torch.tensor([[0.1, 0.9, 0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]);
  const targ = torch.tensor([1, 0, 1, 2]);

  it('accuracy and errorRate compare the argmax with the target', () => {
    assertClose(accuracy(pred, targ).item(), 0.5);
    assertClose(errorRate(pred, targ).item(), 0.5);
    // Over axis 0 of the transposed scores: the same answer.
    assertClose(accuracy(pred.t(), targ, 0).item(), 0.5);
    assert.throws(() => accuracy(pred, torch.tensor([1, 0])), /accuracy: predictions of shape \[4\] and targets of shape \[2\]/);
  });

  it('topKAccuracy counts targets among the k highest scores', () => {
    // Ranks of the targets: 1st, 1st, 2nd, 3rd.
    assertClose(topKAccuracy(pred, targ, 1).item(), 0.5);
    assertClose(topKAccuracy(pred, targ, 2).item(), 0.75);
    assertClose(topKAccuracy(pred, targ, 3).item(), 1);
    assertClose(topKAccuracy(pred.t(), targ, 2, 0).item(), 0.75);
    assert.throws(() => topKAccuracy(pred, targ), /k must be an integer from 1 to the number of classes \(3\), not 5/);
  });

  it("metricName gives fastai's snake_case names", () => {
    assert.equal(metricName(accuracy), 'accuracy');
    assert.equal(metricName(errorRate), 'error_rate');
    assert.equal(metricName(topKAccuracy), 'top_k_accuracy');
    function RMSE(): void {}
    assert.equal(metricName(RMSE), 'rmse');
    assert.equal(metricName(AvgMetric(errorRate, 'err')), 'err');
  });
});

describe('AvgMetric', () => {
  torch.manualSeed(5);
  const pred = torch.randn([23, 4]);
  const targ = torch.randint(0, 4, [23]);

  it('over uneven batches equals the whole-set value', () => {
    const m = AvgMetric(accuracy);
    assert.equal(m.name, 'accuracy');
    assert.equal(m.value, null);
    const whole = accuracy(pred, targ).item();
    assertClose(runPhase(m, pred, targ, [8, 8, 7]) ?? NaN, whole, { rtol: 1e-6 });
    assertClose(runPhase(m, pred, targ, [20, 3]) ?? NaN, whole, { rtol: 1e-6 }); // reset between phases
  });

  it('weights by batch size: 20 right then 3 wrong gives 20/23, not the batch mean 0.5', () => {
    const p = torch.cat([torch.eye(2).repeat(10, 1), torch.eye(2).narrow(0, 0, 1).repeat(3, 1)]);
    const t = torch.cat([torch.tensor([0, 1]).repeat(10), torch.tensor([1, 1, 1])]);
    assertClose(runPhase(AvgMetric(accuracy), p, t, [20, 3]) ?? NaN, 20 / 23, { rtol: 1e-6 });
  });

  it('keeps no tensors', () => {
    const before = torch.memory().liveTensors;
    runPhase(AvgMetric(errorRate), pred, targ, [5, 5, 5, 8]);
    assert.equal(torch.memory().liveTensors, before);
  });

  it('toMetric wraps functions and passes Metrics through', () => {
    const m = toMetric(errorRate);
    assert.equal(m.name, 'error_rate');
    assertClose(runPhase(m, pred, targ, [10, 13]) ?? NaN, errorRate(pred, targ).item(), { rtol: 1e-6 });
    const a = AvgMetric(accuracy);
    assert.equal(toMetric(a), a);
    assert.throws(() => toMetric({} as never), /a metric must be a Metric/);
  });
});

describe('AccumMetric', () => {
  torch.manualSeed(6);
  const pred = torch.randn([17, 3]);
  const targ = torch.randint(0, 3, [17]);
  // Not a mean over items: the precision for class 0 (a ratio of totals).
  const ratio = (p: Tensor, t: Tensor) => torch.tidy(() => p.eq(0).logicalAnd(t.eq(0)).sum().float().div(p.eq(0).sum().float()));

  it('computes once on the concatenation of all batches', () => {
    let calls = 0;
    const fn = (p: Tensor, t: Tensor) => {
      calls++;
      assert.deepEqual(p.shape, [17]);
      assert.deepEqual(t.shape, [17]);
      return ratio(p, t);
    };
    const m = AccumMetric(fn, { activation: 'argmax', name: 'ratio' });
    const expected = ratio(pred.argmax(-1), targ).item();
    assertClose(runPhase(m, pred, targ, [6, 6, 5]) ?? NaN, expected, { rtol: 1e-6 });
    assert.equal(m.value, m.value);
    assert.equal(calls, 1, 'value is computed once and cached');
    assert.equal(m.name, 'ratio');
  });

  it('applies softmax, sigmoid and thresholds; flatten: false keeps the shape', () => {
    const seen: number[][] = [];
    const m = AccumMetric((p) => {
      seen.push(p.shape);
      return p.sum(1).mean();
    }, { activation: 'softmax', flatten: false });
    assertClose(runPhase(m, pred, targ, [9, 8]) ?? NaN, 1, { rtol: 1e-6 });
    assert.deepEqual(seen, [[17, 3]]);
    const s = AccumMetric((p) => p.float().mean(), { activation: 'sigmoid', thresh: 0.5 });
    assertClose(runPhase(s, pred.select(1, 0), targ, [10, 7]) ?? NaN, pred.select(1, 0).ge(0).float().mean().item(), { rtol: 1e-6 });
    // fastai: with activation 'no', a dimArgmax means argmax.
    const a = AccumMetric((p, t) => p.eq(t).float().mean(), { dimArgmax: 1 });
    assertClose(runPhase(a, pred, targ, [17]) ?? NaN, accuracy(pred, targ).item(), { rtol: 1e-6 });
  });

  it('stores copies: changing the batch afterwards does not change the value', () => {
    const p = pred.clone();
    const m = AccumMetric((x, t) => x.eq(t).float().mean(), { activation: 'argmax' });
    m.reset();
    torch.noGrad(() => m.accumulate({ pred: p, targ, loss: torch.zeros([]), bs: 17 }));
    p.fill_(0);
    assertClose(m.value ?? NaN, accuracy(pred, targ).item(), { rtol: 1e-6 });
  });

  it('frees what it stored on reset: no tensor leaks across phases', () => {
    const m = AccumMetric((x, t) => x.eq(t).float().mean(), { activation: 'argmax' });
    m.reset();
    const before = torch.memory().liveTensors;
    runPhase(m, pred, targ, [5, 5, 7]);
    assert.equal(torch.memory().liveTensors, before + 6, 'three batches of predictions and targets, kept on purpose');
    runPhase(m, pred, targ, [8, 9]);
    assert.equal(torch.memory().liveTensors, before + 4);
    m.reset();
    assert.equal(torch.memory().liveTensors, before);
    assert.equal(m.value, null);
  });

  it('names mismatched shapes when flattening', () => {
    const m = AccumMetric((x) => x.mean(), { activation: 'softmax', name: 'probs' });
    assert.throws(() => runPhase(m, pred, targ, [17]), /AccumMetric 'probs': predictions of shape \[17, 3\] and targets of shape \[17\]/);
    m.reset();
  });
});

describe('AvgLoss and AvgSmoothLoss', () => {
  it('AvgLoss weights batch losses by batch size', () => {
    const m = AvgLoss();
    assert.equal(m.value, null);
    m.accumulate(2, 16);
    m.accumulate(5, 4);
    assertClose(m.value ?? NaN, (2 * 16 + 5 * 4) / 20);
    m.reset();
    assert.equal(m.value, null);
  });

  it('AvgSmoothLoss is the debiased EMA val/(1-beta^count)', () => {
    const losses = [3, 2.5, 2.7, 1.9, 2.2];
    const m = AvgSmoothLoss();
    assert.equal(m.beta, 0.98);
    let val = 0;
    losses.forEach((l, i) => {
      m.accumulate(l);
      val = 0.98 * val + 0.02 * l;
      assertClose(m.value ?? NaN, val / (1 - 0.98 ** (i + 1)), { rtol: 1e-12 });
    });
    m.reset();
    m.accumulate(7);
    assertClose(m.value ?? NaN, 7, { rtol: 1e-12 }); // the first value is the first loss
    const h = AvgSmoothLoss(0.5);
    h.accumulate(4);
    h.accumulate(0);
    assertClose(h.value ?? NaN, (0.5 * 0.5 * 4) / (1 - 0.25), { rtol: 1e-12 });
    assert.throws(() => AvgSmoothLoss(1), /beta must be in \[0, 1\), not 1/);
  });
});
