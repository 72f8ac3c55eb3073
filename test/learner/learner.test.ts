import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Callback, CancelBatch, CancelFit, CancelTrain, type EventName, Learner, errorRate, setSeed, torch,
} from '../../src/index.js';
import { pointDls, TinyNet } from './synthetic.js';

/** Records every event it sees. */
class EventLog extends Callback {
  events: string[] = [];
  constructor(private readonly only?: readonly EventName[]) {
    super();
  }
}
const ALL: EventName[] = [
  'beforeFit', 'beforeEpoch', 'beforeTrain', 'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward',
  'beforeStep', 'afterStep', 'afterCancelBatch', 'afterBatch', 'afterCancelTrain', 'afterTrain', 'beforeValidate',
  'afterCancelValidate', 'afterValidate', 'afterCancelEpoch', 'afterEpoch', 'afterCancelFit', 'afterFit',
];
for (const e of ALL) {
  (EventLog.prototype as unknown as Record<string, () => void>)[e] = function (this: EventLog) {
    this.events.push(e);
  };
}

async function learner(options: ConstructorParameters<typeof Learner>[2] = {}, dlsOptions: Parameters<typeof pointDls>[0] = {}) {
  setSeed(0);
  const dls = await pointDls(dlsOptions);
  return new Learner(dls, new TinyNet(), { quiet: true, metrics: [errorRate], ...options });
}

describe('Learner.fit', () => {
  it('trains the tiny problem: one row per epoch, losses fall, error rate low', async () => {
    const learn = await learner();
    await learn.fit(4, 1e-2);
    const { values, losses, lrs, iters } = learn.recorder;
    assert.equal(values.length, 4);
    assert.equal(values[0]!.length, 3); // train_loss, valid_loss, error_rate
    assert.deepEqual(learn.recorder.names, ['epoch', 'train_loss', 'valid_loss', 'error_rate', 'time']);
    assert.equal(losses.length, 4 * 4); // 64 training points / bs 16
    assert.deepEqual(iters, [4, 8, 12, 16]);
    assert.ok(lrs.every((l) => l === 1e-2));
    assert.ok(values[3]![1]! < values[0]![1]!, `valid loss ${values[0]![1]} -> ${values[3]![1]}`);
    assert.ok(values[3]![2]! < 0.25, `error rate ${values[3]![2]}`);
    // train_loss is the smoothed loss at the end of the epoch's training phase
    assert.equal(values[3]![0], losses[15]);
  });

  it("runs fastai's events in order", async () => {
    const log = new EventLog();
    const learn = await learner({}, { n: 48, nValid: 16 }); // 2 training batches, 1 validation batch
    await learn.fit(1, 1e-3, { cbs: [log] });
    const batch = ['beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterBatch'];
    assert.deepEqual(log.events, [
      'beforeFit', 'beforeEpoch', 'beforeTrain', ...batch, ...batch, 'afterTrain',
      'beforeValidate', 'beforeBatch', 'afterPred', 'afterLoss', 'afterBatch', 'afterValidate', 'afterEpoch', 'afterFit',
    ]);
    assert.equal(learn.cbs.includes(log), false, 'fit-only callbacks are removed afterwards');
  });

  it('frees every batch tensor: the live count does not grow from one fit to the next', async () => {
    const learn = await learner();
    await learn.fit(1, 1e-3); // makes the optimizer state
    const live = torch.memory().liveTensors;
    await learn.fit(2, 1e-3);
    assert.equal(torch.memory().liveTensors, live);
  });

  it('CancelBatch skips the step but runs afterCancelBatch and afterBatch', async () => {
    class SkipAll extends Callback {
      override beforeBatch() {
        if (this.learn.training) throw new CancelBatch();
      }
    }
    const log = new EventLog();
    const learn = await learner({}, { n: 48, nValid: 16 });
    const before = learn.model.parameters().map((p) => torch.tidy(() => p.sum().item()));
    await learn.fit(1, 1e-1, { cbs: [log, new SkipAll()] });
    const after = learn.model.parameters().map((p) => torch.tidy(() => p.sum().item()));
    assert.deepEqual(after, before);
    assert.deepEqual(log.events.slice(3, 6), ['beforeBatch', 'afterCancelBatch', 'afterBatch']);
    assert.ok(log.events.includes('afterValidate'));
  });

  it('CancelTrain ends the training phase but validation still runs; CancelFit still runs afterFit', async () => {
    class StopTrain extends Callback {
      override order = 55; // after the Recorder took the batch's loss
      override afterBatch() {
        if (this.learn.training) throw new CancelTrain();
      }
    }
    const log = new EventLog();
    const learn = await learner();
    await learn.fit(2, 1e-3, { cbs: [new StopTrain(), log] });
    assert.equal(log.events.filter((e) => e === 'afterCancelTrain').length, 2);
    assert.equal(log.events.filter((e) => e === 'afterValidate').length, 2);
    assert.equal(learn.recorder.losses.length, 2); // one batch per epoch

    class StopFit extends Callback {
      override order = 55; // after the Recorder logged the epoch
      override afterEpoch() {
        throw new CancelFit();
      }
    }
    const log2 = new EventLog();
    await learn.fit(5, 1e-3, { cbs: [log2, new StopFit()] });
    assert.deepEqual(log2.events.slice(-3), ['afterEpoch', 'afterCancelFit', 'afterFit']);
    assert.equal(learn.recorder.values.length, 1);
  });

  it('an AbortSignal stops after the current batch and afterFit runs', async () => {
    const controller = new AbortController();
    class AbortAfter2 extends Callback {
      override afterStep() {
        if (this.learn.trainIter === 1) controller.abort(); // during the second batch
      }
    }
    const log = new EventLog();
    const learn = await learner();
    await learn.fit(3, 1e-3, { cbs: [new AbortAfter2(), log], signal: controller.signal });
    assert.equal(learn.trainIter, 2);
    assert.equal(log.events.at(-1), 'afterFit');
    assert.ok(log.events.includes('afterCancelFit'));
    assert.equal(learn.recorder.values.length, 0);
  });

  it('learn.stop() stops too', async () => {
    class Stop extends Callback {
      override afterBatch() {
        if (this.learn.training) this.learn.stop();
      }
    }
    const learn = await learner();
    await learn.fit(3, 1e-3, { cbs: [new Stop()] });
    assert.equal(learn.trainIter, 1);
  });

  it('same seed twice gives identical losses', async () => {
    const run = async () => {
      const learn = await learner();
      await learn.fit(2, 1e-2);
      return [...learn.recorder.losses, ...learn.recorder.values.flat()];
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
  });

  it('async handlers are awaited in order', async () => {
    const seen: string[] = [];
    class Slow extends Callback {
      override order = 1;
      override async afterEpoch() {
        await new Promise((r) => setTimeout(r, 5));
        seen.push('slow');
      }
    }
    class Fast extends Callback {
      override order = 2;
      override afterEpoch() {
        seen.push('fast');
      }
    }
    const learn = await learner();
    await learn.fit(1, 1e-3, { cbs: [new Fast(), new Slow()] });
    assert.deepEqual(seen, ['slow', 'fast']);
  });

  it('rejects bad arguments with messages that say what to do', async () => {
    const learn = await learner();
    await assert.rejects(learn.fit(1.5, 1e-3), /number of epochs must be a non-negative integer, got 1\.5/);
    await assert.rejects(learn.fit(1, -1), /lr must be a positive number, got -1.*lrFind/);
    assert.throws(() => learn.addCb({} as Callback), /callbacks must extend Callback/);
    await assert.rejects(learn.fitOneCycle(1, 1e-3, { pctStart: 1.5 }), /pctStart must be between 0 and 1/);
  });
});

describe('fineTune and stopping', () => {
  it('an abort during the frozen phase skips the unfrozen phase', async () => {
    const controller = new AbortController();
    class AbortFirst extends Callback {
      fits = 0;
      override beforeFit() {
        this.fits++;
      }
      override afterStep() {
        controller.abort();
      }
    }
    setSeed(0);
    const dls = await pointDls();
    const learn = new Learner(dls, new TinyNet(), { quiet: true });
    const cb = new AbortFirst();
    await learn.fineTune(2, 1e-3, { cbs: [cb], signal: controller.signal });
    assert.equal(cb.fits, 1);
    assert.equal(learn.stopping, true);
  });
});
