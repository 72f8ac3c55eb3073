import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Callback, CategoryBlock, DataBlock, IndexSplitter, Learner, nn, ParamScheduler, setSeed, slice, spreadLrs, type Tensor, torch,
} from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { changed, type Point, points, snapshot, TinyNet, VectorBlock } from './synthetic.js';

/** Three groups: two Linear+BatchNorm layers and a head. */
class ThreeGroupNet extends nn.Module {
  l1 = this.registerModule('l1', new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU()));
  l2 = this.registerModule('l2', new nn.Sequential(new nn.Linear(8, 8), new nn.BatchNorm1d(8), new nn.ReLU()));
  head = this.registerModule('head', new nn.Linear(8, 2));
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.head.call(this.l2.call(this.l1.call(x))));
  }
  paramGroups(): Tensor[][] {
    return [this.l1.parameters(), this.l2.parameters(), this.head.parameters()];
  }
}

async function dls(n = 96, nValid = 32, bs = 16) {
  const items = points(n);
  const block = new DataBlock<Point>({
    blocks: [VectorBlock, CategoryBlock()], getX: (p) => p.x, getY: (p) => p.y,
    splitter: IndexSplitter(Array.from({ length: nValid }, (_, i) => n - nValid + i)),
  });
  return block.dataloaders(items, { bs, seed: 1, device: 'cpu', numWorkers: 0 });
}

/** The one-cycle formula of the reference: cosine lrMax/div -> lrMax over pctStart, then -> lrMax/divFinal. */
function oneCycle(pos: number, lo: number, hi: number, end: number, pct: number): number {
  const cos = (a: number, b: number, p: number) => a + ((1 + Math.cos(Math.PI * (1 - p))) * (b - a)) / 2;
  return pos < pct ? cos(lo, hi, pos / pct) : cos(hi, end, (pos - pct) / (1 - pct));
}

describe('fitOneCycle', () => {
  it('lrMax 1e-3 over 100 iterations: 4e-5 first, 1e-3 at 25, ~1e-8 at the end; momentum 0.95 -> 0.85 -> 0.95', async () => {
    setSeed(0);
    const learn = new Learner(await dls(), new TinyNet(), { quiet: true });
    await learn.fitOneCycle(25, 1e-3); // 4 batches an epoch
    const { lrs, moms } = learn.recorder;
    assert.equal(lrs.length, 100);
    assertClose(lrs[0]!, 4e-5, { rtol: 1e-9 });
    assertClose(lrs[25]!, 1e-3, { rtol: 1e-9 });
    assertClose(lrs[99]!, oneCycle(0.99, 4e-5, 1e-3, 1e-8, 0.25), { rtol: 1e-6 });
    assert.ok(lrs[99]! < 1e-6, `last lr ${lrs[99]}`);
    // the schedule reaches lrMax/divFinal = 1e-8 at the end of training
    const sched = learn.recorder.hps.lr!;
    assert.equal(sched.length, 100);
    for (let i = 0; i < 100; i++) assertClose(lrs[i]!, oneCycle(i / 100, 4e-5, 1e-3, 1e-8, 0.25), { rtol: 1e-6, message: `lr ${i}` });
    assertClose(moms[0]!, 0.95, { rtol: 1e-12 });
    assertClose(moms[25]!, 0.85, { rtol: 1e-12 });
    assertClose(moms[99]!, oneCycle(0.99, 0.95, 0.85, 0.95, 0.25), { rtol: 1e-9 });
  });
});

/** Captures the learning rates of every training batch and the parameters at the start and end of each fit. */
class Spy extends Callback {
  override order = 70;
  fits: { lrs: number[][]; before: Map<string, Float32Array>; after?: Map<string, Float32Array> }[] = [];
  override beforeFit() {
    this.fits.push({ lrs: [], before: snapshot(this.learn.model) });
  }
  override beforeStep() {
    this.fits.at(-1)!.lrs.push(this.learn.opt!.hypers.map((h) => h.lr!));
  }
  override afterFit() {
    this.fits.at(-1)!.after = snapshot(this.learn.model);
  }
}

describe('fineTune', () => {
  it('frozen phase: peaks [2e-4, 2e-4, 2e-3]; unfrozen: starts [2e-6, 2e-5, 2e-4], peaks [1e-5, 1e-4, 1e-3]; only head and BatchNorm train while frozen', async () => {
    setSeed(0);
    const learn = new Learner(await dls(), new ThreeGroupNet(), { quiet: true });
    const spy = new Spy();
    const peaks: number[][] = [];
    class Peaks extends Callback {
      override beforeFit() {
        const sched = this.learn.cbs.find((c): c is ParamScheduler => c instanceof ParamScheduler)!;
        const pct = peaks.length === 0 ? 0.99 : 0.3;
        peaks.push((sched.scheds.lr as ((p: number) => number)[]).map((f) => f(pct)));
      }
    }
    await learn.fineTune(1, undefined, { cbs: [spy, new Peaks()] });
    assert.equal(spy.fits.length, 2);
    assertClose(peaks[0]!, [2e-4, 2e-4, 2e-3], { rtol: 1e-9 });
    assertClose(peaks[1]!, [1e-5, 1e-4, 1e-3], { rtol: 1e-9 });
    assertClose(spy.fits[0]!.lrs[0]!, [2e-4 / 25, 2e-4 / 25, 2e-3 / 25], { rtol: 1e-9 });
    assertClose(spy.fits[1]!.lrs[0]!, [2e-6, 2e-5, 2e-4], { rtol: 1e-9 });
    const frozen = changed(spy.fits[0]!.before, spy.fits[0]!.after!).sort();
    assert.deepEqual(frozen, ['head.bias', 'head.weight', 'l1.1.bias', 'l1.1.weight', 'l2.1.bias', 'l2.1.weight']);
    const unfrozen = changed(spy.fits[1]!.before, spy.fits[1]!.after!);
    assert.ok(unfrozen.includes('l1.0.weight') && unfrozen.includes('l2.0.weight'), `unfrozen phase changed ${unfrozen.join(', ')}`);
  });

  it('slice spreads over the groups as fastai', () => {
    assertClose(spreadLrs(slice(1e-6, 1e-4), 3), [1e-6, 1e-5, 1e-4], { rtol: 1e-12 });
    assertClose(spreadLrs(slice(1e-3), 3), [1e-4, 1e-4, 1e-3], { rtol: 1e-12 });
  });

  it('fit with slice(lo, hi) trains each group at its rate', async () => {
    setSeed(0);
    const learn = new Learner(await dls(), new ThreeGroupNet(), { quiet: true });
    const spy = new (class extends Callback {
      lrs: number[][] = [];
      override beforeStep() {
        this.lrs.push(this.learn.opt!.hypers.map((h) => h.lr!));
      }
    })();
    await learn.fit(1, slice(1e-6, 1e-4), { cbs: [spy] });
    for (const l of spy.lrs) assertClose(l, [1e-6, 1e-5, 1e-4], { rtol: 1e-12 });
  });
});

describe('fitFlatCos and fitSgdr', () => {
  it('fitFlatCos holds lr for 75% then anneals to lr/1e5', async () => {
    setSeed(0);
    const learn = new Learner(await dls(), new TinyNet(), { quiet: true });
    await learn.fitFlatCos(5, 1e-2); // 20 batches
    const { lrs } = learn.recorder;
    assert.ok(lrs.slice(0, 15).every((l) => Math.abs(l - 1e-2) < 1e-15));
    assertClose(lrs[19]!, oneCycle(0.95, 1e-2, 1e-2, 1e-7, 0.75), { rtol: 1e-9 });
  });

  it('fitSgdr: cycles of 1, 2 epochs (3 in all), the lr back at lrMax at each restart', async () => {
    setSeed(0);
    const learn = new Learner(await dls(), new TinyNet(), { quiet: true });
    await learn.fitSgdr(2, 1, 1e-2);
    const { lrs, values } = learn.recorder;
    assert.equal(values.length, 3);
    assert.equal(lrs.length, 12);
    assertClose([lrs[0]!, lrs[4]!], [1e-2, 1e-2], { rtol: 1e-9 });
    assert.ok(lrs[3]! < lrs[0]! && lrs[11]! < lrs[4]!);
  });
});
