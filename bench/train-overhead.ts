/**
 * bench/train-overhead (issue 8): the Learner's cost. One epoch through `learn.fitOneCycle`
 * (TrainEval, Recorder, a ProgressCallback drawing its bar into a null stream, the errorRate
 * metric, ParamScheduler) against a bare loop doing the same forward, loss, backward, fastai-ts
 * `Adam` step and zeroGrad, and the same validation forward passes (counting errors), on the
 * same preloaded batches (the pets recipe's, preloaded once; each epoch gets fresh clones, in
 * both). Same model (unfrozen), alternating, median of `BENCH_REPS` (default 5) after one warm-up
 * of each. Target: Learner / bare <= 1.03x. Timers cover exactly the one epoch (training and
 * validation), nothing before or after.
 *
 *   npm run bench:train                                  # part 2 of bench/train
 *   node --import tsx bench/train-overhead.ts            # this part alone
 *   BENCH_QUICK=1 node --import tsx bench/train-overhead.ts
 *   BENCH_BATCHES=18 BENCH_REPS=7 node --import tsx bench/train-overhead.ts
 */
import { Writable } from 'node:stream';
import {
  Adam, DataLoaders, errorRate, Learner, ProgressCallback, type Tensor, torch, visionLearner,
} from '../src/index.js';
import { MemoryLoader, preload } from './lib/mem-loader.js';
import { petsDls, recipe } from './lib/pets-recipe.js';
import { median, printTable } from './lib/stats.js';

const quick = Boolean(process.env.BENCH_QUICK);
const reps = Number(process.env.BENCH_REPS ?? (quick ? 1 : 5));
const r = recipe(quick);
// The full recipe's epoch: 296 training images at bs 16 = 18 batches, 74 validation = 5.
const nTrain = Number(process.env.BENCH_BATCHES ?? (quick ? 3 : 18));
const nValid = quick ? 1 : Math.ceil(nTrain * 5 / 18);
const lr = 1e-3;

const dls = await petsDls(r);
const built = await visionLearner(dls, r.arch, { weights: r.weights, quiet: true }); // adds Normalize to dls
built.unfreeze();
const model = built.model;
const trainBatches = await preload(dls.train, nTrain);
const validBatches = await preload(dls.valid, nValid);
const train = new MemoryLoader(trainBatches, dls.train);
const valid = new MemoryLoader(validBatches, dls.valid);
const memDls = new DataLoaders(train.asDataLoader(), valid.asDataLoader(), dls.datasets);
memDls.path = dls.path;

const nullStream = new Writable({ write: (_chunk, _enc, cb) => cb() });
const learn = new Learner(memDls, model, {
  metrics: [errorRate], quiet: true, splitter: built.splitter,
  cbs: [new ProgressCallback({ stream: nullStream, bar: true })],
});
const lossFunc = learn.lossFunc;
const bareOpt = Adam(built.splitter(model), { lr });

async function learnerEpoch(): Promise<number> {
  const t0 = performance.now();
  await learn.fitOneCycle(1, lr);
  return (performance.now() - t0) / 1000;
}

async function bareEpoch(): Promise<number> {
  const t0 = performance.now();
  model.train();
  for await (const [x, y] of train) {
    const loss = torch.tidy(() => lossFunc.call(model.call(x!) as Tensor, y!));
    torch.tidy(() => loss.backward());
    bareOpt.step();
    bareOpt.zeroGrad();
    loss.dispose();
    x!.dispose();
    y!.dispose();
  }
  model.eval();
  let wrong = 0;
  let n = 0;
  for await (const [x, y] of valid) {
    wrong += torch.tidy(() => torch.noGrad(() => {
      const pred = model.call(x!) as Tensor;
      lossFunc.call(pred, y!);
      return pred.argmax(1).ne(y!).sum().item();
    }));
    n += y!.shape[0]!;
    x!.dispose();
    y!.dispose();
  }
  if (!(wrong >= 0 && wrong <= n)) throw new Error(`bare loop: ${wrong} errors out of ${n}`);
  return (performance.now() - t0) / 1000;
}

console.log(`\n## Learner overhead: one epoch of ${nTrain} training + ${nValid} validation batches (${r.arch}, ${r.size} px, bs ${r.bs}, preloaded), median of ${reps}`);
await learnerEpoch();
await bareEpoch();
// After the warm-ups: both optimizers have their state, so any growth from here is a leak.
const live0 = torch.memory().liveTensors;
const lt: number[] = [];
const bt: number[] = [];
for (let i = 0; i < reps; i++) {
  lt.push(await learnerEpoch());
  bt.push(await bareEpoch());
}
const ml = median(lt);
const mb = median(bt);
printTable(
  ['loop', 'epoch s (median)', 'runs', 'ratio'],
  [
    ['learn.fitOneCycle(1) (TrainEval, Recorder, Progress, errorRate, ParamScheduler)', ml.toFixed(3), lt.map((t) => t.toFixed(3)).join(' '), `${(ml / mb).toFixed(3)}x`],
    ['bare loop (forward, loss, backward, Adam step, zeroGrad; validation forward)', mb.toFixed(3), bt.map((t) => t.toFixed(3)).join(' '), '1.000x'],
  ],
);
console.log(`Learner / bare: ${(ml / mb).toFixed(3)}x (target <= 1.03x); last fit's error_rate ${learn.recorder.lastLog?.metrics[0]?.toFixed(3)}`);
console.log(`live tensors after the warm-ups / after the timed epochs (equal unless a loop leaks): ${live0} / ${torch.memory().liveTensors}`);
bareOpt.dispose();
train.dispose();
valid.dispose();
