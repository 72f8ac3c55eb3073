/**
 * One fastai-ts fineTune run of the pets recipe, in its own process (spawned by bench/train.ts so
 * runs share no state). Argument: the Recipe as JSON, then 'fp32' or 'bf16'. The epoch table
 * goes to stderr; stdout gets one JSON line:
 * `{ error_rate: number[] (one per epoch, frozen epoch first), seconds, build_seconds }`.
 *
 * Timers: `seconds` is `learn.fineTune(...)` alone (every epoch's loading, decoding, item and
 * batch transforms, training and validation); `build_seconds` is the DataLoaders and
 * `visionLearner` (model build, weight loading) before it, which the reference does not time.
 */
import { Callback, errorRate, ProgressCallback, visionLearner } from '../../src/index.js';
import { petsDls, type Recipe } from './pets-recipe.js';

/** Collects each epoch's error rate (after the Recorder, order 50, has logged it). */
class EpochErrors extends Callback {
  override order = 55;
  readonly errors: number[] = [];
  override afterEpoch(): void {
    const v = this.learn.recorder.lastLog?.metrics[0];
    this.errors.push(v ?? NaN);
  }
}

const [json, precision = 'fp32'] = process.argv.slice(2);
if (!json || (precision !== 'fp32' && precision !== 'bf16')) {
  throw new Error(`train-runner: usage: train-runner.ts '<Recipe JSON>' fp32|bf16, got ${JSON.stringify(process.argv.slice(2))}`);
}
const r = JSON.parse(json) as Recipe;
const errors = new EpochErrors();
const t0 = performance.now();
const dls = await petsDls(r);
const learn = await visionLearner(dls, r.arch, {
  weights: r.weights, metrics: [errorRate], quiet: true,
  cbs: [errors, new ProgressCallback({ stream: process.stderr, bar: false })],
});
if (precision === 'bf16') learn.toBf16();
const t1 = performance.now();
await learn.fineTune(r.epochs);
const t2 = performance.now();
console.log(JSON.stringify({ error_rate: errors.errors, seconds: (t2 - t1) / 1000, build_seconds: (t1 - t0) / 1000 }));
