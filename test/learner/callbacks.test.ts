import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  Callback, CSVLogger, EarlyStoppingCallback, errorRate, GradientAccumulation, GradientClip, GradScaler, Learner, type Metric,
  minimum, ProgressCallback, ReduceLROnPlateau, SaveModelCallback, setSeed, slide, steep, TerminateOnNaNCallback, torch, valley,
} from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { assertClose } from '../helpers.js';
import { changed, pointDls, snapshot, TinyNet } from './synthetic.js';

/** A metric whose value at epoch e is values[e], to drive the trackers deterministically. */
function scripted(name: string, values: number[]): Metric {
  let epoch = -1;
  return {
    name,
    reset() {
      epoch++;
    },
    accumulate() {},
    get value() {
      return values[epoch] ?? NaN;
    },
  };
}

async function learner(metrics: Metric[] = [], path?: string) {
  setSeed(0);
  const dls = await pointDls();
  return new Learner(dls, new TinyNet(), { quiet: true, metrics: [errorRate, ...metrics], path });
}

describe('lrFind', () => {
  it('records an exponential lr sweep, suggests valley, and restores weights and optimizer state', async () => {
    const learn = await learner();
    await learn.fit(1, 1e-3); // optimizer state to restore
    const before = snapshot(learn.model);
    const optBefore = Object.fromEntries(Object.entries(learn.opt!.stateDict().tensors).map(([k, t]) => [k, Array.from(t.toTypedArray() as Float32Array)]));
    const epoch = learn.dls.train.epoch;
    const res = await learn.lrFind({ numIt: 40, suggestFuncs: [valley, minimum, steep, slide] });
    assert.ok(res.lrs.length > 10 && res.lrs.length <= 40);
    for (let i = 0; i < res.lrs.length; i++) assertClose(res.lrs[i]!, 1e-7 * 1e8 ** (i / 40), { rtol: 1e-9 });
    for (const k of ['valley', 'minimum', 'steep', 'slide'] as const) assert.ok(res[k] > 0 && res[k] < 10, `${k} ${res[k]}`);
    const cut = (xs: number[]) => xs.slice(4, -5);
    assert.equal(res.valley, valley(cut(res.lrs), cut(res.losses), 40).lr);
    assert.equal(res.minimum, minimum(cut(res.lrs), cut(res.losses), 40).lr);
    assert.deepEqual(changed(before, snapshot(learn.model)), []);
    const optAfter = Object.fromEntries(Object.entries(learn.opt!.stateDict().tensors).map(([k, t]) => [k, Array.from(t.toTypedArray() as Float32Array)]));
    assert.deepEqual(optAfter, optBefore);
    assert.equal(learn.dls.train.epoch, epoch);
  });

  it("suggestion rules on fixed curves give fastai's values", () => {
    const lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];
    const losses = [3, 2.9, 2, 1, 1.5, 4];
    assert.equal(minimum(lrs, losses, 6).lr, 1e-2 / 10); // the lowest loss, /10
    assert.equal(steep(lrs, losses, 6).lr, 1e-3); // the largest drop: 2 -> 1
    // valley: longest decreasing run 3, 2.9, 2, 1 ends at 3; fastai's start is end - length = -1,
    // sections = 4/3, index = -1 + 1 + 0 = 0.
    assert.equal(valley(lrs, losses, 6).lr, 1e-5);
    const long = Array.from({ length: 40 }, (_, i) => 10 ** (-6 + i / 8));
    // flat, then falling by 0.1 per step, then flat again: slide stops where the gradients agree
    const curve = long.map((_, i) => (i < 10 ? 3 : i < 30 ? 3 - 0.1 * (i - 10) : 1));
    const s = slide(long, curve, 40);
    assert.ok(s.lr >= long[10]! && s.lr <= long[30]!, `slide ${s.lr}`);
  });
});

describe('trackers', () => {
  it('EarlyStopping stops when the monitored value stops improving', async () => {
    const learn = await learner([scripted('fake_loss', [0.5, 0.4, 0.45, 0.3, 0.2])]);
    const es = new EarlyStoppingCallback({ monitor: 'fake_loss', patience: 1 });
    await learn.fit(5, 1e-3, { cbs: [es] });
    assert.equal(learn.recorder.values.length, 3);
    assert.equal(es.stoppedEpoch, 2);
  });

  it('EarlyStopping patience 2, higher-is-better metric, minDelta', async () => {
    const learn = await learner([scripted('accuracy', [0.5, 0.6, 0.605, 0.61, 0.62])]);
    await learn.fit(5, 1e-3, { cbs: [new EarlyStoppingCallback({ monitor: 'accuracy', patience: 2, minDelta: 0.02 })] });
    assert.equal(learn.recorder.values.length, 4); // 0.605 and 0.61 are within minDelta of 0.6
  });

  it('rejects a column that is not in the table', async () => {
    const learn = await learner();
    await assert.rejects(learn.fit(1, 1e-3, { cbs: [new EarlyStoppingCallback({ monitor: 'acc' })] }), /cannot monitor 'acc'; the epoch table has train_loss, valid_loss, error_rate/);
  });

  it('SaveModel saves on improvement and reloads the best epoch at the end', async (t) => {
    const dir = tempDir(t);
    const learn = await learner([scripted('fake_loss', [0.5, 0.3, 0.4, 0.6])], dir);
    const weights: Map<string, Float32Array>[] = [];
    class Keep extends Callback {
      override order = 80;
      override afterEpoch() {
        weights.push(snapshot(this.learn.model));
      }
    }
    const save = new SaveModelCallback({ monitor: 'fake_loss', fname: 'best' });
    await learn.fit(4, 1e-2, { cbs: [save, new Keep()] });
    assert.equal(save.bestEpoch, 1);
    assert.deepEqual(changed(weights[1]!, snapshot(learn.model)), []);
    assert.notDeepEqual(changed(weights[3]!, snapshot(learn.model)), []);
  });

  it('ReduceLROnPlateau divides the lr after patience epochs without improvement', async () => {
    const learn = await learner([scripted('fake_loss', [0.5, 0.6, 0.7, 0.8])]);
    const lrs: number[] = [];
    class Lr extends Callback {
      override order = 80;
      override afterEpoch() {
        lrs.push(this.learn.opt!.hypers.at(-1)!.lr!);
      }
    }
    await learn.fit(4, 1e-2, { cbs: [new ReduceLROnPlateau({ monitor: 'fake_loss', patience: 2, factor: 10 }), new Lr()] });
    assertClose(lrs, [1e-2, 1e-2, 1e-3, 1e-3], { rtol: 1e-12 });
  });
});

describe('training callbacks', () => {
  it('GradientAccumulation steps once every nAcc items', async () => {
    const learn = await learner();
    let steps = 0;
    class Count extends Callback {
      override afterStep() {
        steps++;
      }
    }
    await learn.fit(2, 1e-3, { cbs: [new GradientAccumulation(32), new Count()] }); // bs 16: every 2 batches
    assert.equal(steps, 4);
    assert.equal(learn.recorder.losses.length, 8);
  });

  it('GradientClip keeps the total gradient norm at most maxNorm', async () => {
    const learn = await learner();
    const norms: number[] = [];
    class Norm extends Callback {
      override order = 10;
      override beforeStep() {
        norms.push(torch.tidy(() => Math.sqrt(this.learn.model.parameters().reduce((s, p) => s + p.grad!.square().sum().item(), 0))));
      }
    }
    await learn.fit(1, 1e-3, { cbs: [new GradientClip(0.01), new Norm()] });
    assert.equal(norms.length, 4);
    for (const n of norms) assert.ok(n <= 0.01 * (1 + 1e-4), `norm ${n}`);
  });

  it('TerminateOnNaN stops at the first non-finite loss', async () => {
    setSeed(0);
    const learn = new Learner(await pointDls(), new TinyNet(), { quiet: true, lossFunc: (p) => p.sum().mul(NaN) });
    await learn.fit(3, 1e-3, { cbs: [new TerminateOnNaNCallback()] });
    assert.equal(learn.trainIter, 1);
  });

  it('GradScaler skips a step with an infinite gradient and halves the scale; grows after growthInterval good steps', () => {
    const scaler = new GradScaler({ initScale: 1024, growthInterval: 2 });
    const p = torch.keep(torch.ones([3]).requiresGrad_());
    p.grad = torch.tensor(Float32Array.of(1024, 2048, Infinity));
    assert.equal(scaler.unscaleAndUpdate([p]), false);
    assert.equal(scaler.scale, 512);
    p.grad = torch.tensor(Float32Array.of(512, 1024, 256));
    assert.equal(scaler.unscaleAndUpdate([p]), true);
    assertClose(torch.tidy(() => p.grad!.toArray() as number[]), [1, 2, 0.5]);
    assert.equal(scaler.unscaleAndUpdate([p]), true);
    assert.equal(scaler.scale, 1024);
    p.dispose();
  });

  it('toBf16 trains under autocast with float32 predictions; toFp32 removes it', async () => {
    const learn = await learner();
    learn.toBf16();
    const dtypes: string[] = [];
    class Dtype extends Callback {
      override order = 20;
      override afterPred() {
        dtypes.push(this.learn.pred!.dtype);
        assert.ok(this.learn.autocast);
      }
    }
    await learn.fit(1, 1e-3, { cbs: [new Dtype()] });
    assert.ok(dtypes.every((d) => d === 'float32'));
    assert.ok(Number.isFinite(learn.recorder.values[0]![1]!));
    learn.toFp32();
    assert.equal(learn.autocast, null);
    assert.equal(learn.cbs.some((c) => c.name === 'mixed_precision'), false);
  });
});

describe('output', () => {
  it('ProgressCallback prints the epoch table (plain lines when not a terminal)', async () => {
    let out = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    });
    const learn = await learner();
    learn.addCb(new ProgressCallback({ stream }));
    await learn.fit(2, 1e-3);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^epoch\s+train_loss\s+valid_loss\s+error_rate\s+time$/);
    assert.match(lines[1]!, /^0\s+\d\.\d{6}\s+\d\.\d{6}\s+0\.\d{6}\s+\d\d:\d\d$/);
    assert.doesNotMatch(out, /\r/);
  });

  it('CSVLogger writes one row per epoch', async (t) => {
    const dir = tempDir(t);
    const learn = await learner([], dir);
    const csv = new CSVLogger();
    await learn.fit(2, 1e-3, { cbs: [csv] });
    const rows = readFileSync(csv.file, 'utf8').trimEnd().split('\n');
    assert.equal(rows[0], 'epoch,train_loss,valid_loss,error_rate,time');
    assert.equal(rows.length, 3);
    assert.equal(Number(rows[2]!.split(',')[2]), learn.recorder.values[1]![1]);
  });
});
