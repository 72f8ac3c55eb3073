import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Tensor, torch } from '../../src/index.js';
import {
  Adam, Lamb, Lookahead, type OptFunc, Optimizer, RAdam, RMSProp, SGD, ranger, slice, spreadLrs,
} from '../../src/learner/optimizer.js';
import { adamStep, averageGrad, averageSqrGrad, sgdStep, stepStat } from '../../src/learner/steppers.js';
import { assertClose } from '../helpers.js';

// Formulas are checked in float64 against plain JS math, so 1e-9 relative is a fair tolerance.
const TOL = { atol: 1e-12, rtol: 1e-9 };
const f64 = (xs: number[]) => torch.tensor(xs, { dtype: 'float64', requiresGrad: true }).keep();
const vals = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);
/** Sets p.grad to a copy of g (freeing the handle made here, so the memory test counts only the optimizer's). */
const setGrad = (p: Tensor, g: number[]) => torch.tidy(() => void (p.grad = torch.tensor(g, { dtype: 'float64' })));

// Three steps of gradients for two parameters (one includes a zero and a negative).
const P0 = [[0.5, -1.2, 2.0], [0.3, 0.0, -0.7, 1.1]];
const GRADS = [
  [[0.1, -0.4, 0.9], [1.5, -0.2, 0.05, 0.3]],
  [[-0.3, 0.2, 0.7], [0.8, 0.1, -0.6, 0.0]],
  [[0.05, -0.9, 0.4], [-1.1, 0.3, 0.2, 0.6]],
];

type Ref = (p: number[], g: number[], st: Record<string, number[]>, t: number) => void;

/** Runs `opt` and the reference `ref` over the three steps, comparing after each. */
function check(make: (groups: Tensor[][]) => Optimizer, ref: Ref, steps = GRADS): void {
  const ps = P0.map(f64);
  const opt = make([ps]);
  const refP = P0.map((p) => [...p]);
  const refS = P0.map(() => ({}) as Record<string, number[]>);
  steps.forEach((gs, t) => {
    ps.forEach((p, i) => setGrad(p, gs[i]!));
    opt.step();
    refP.forEach((p, i) => ref(p, gs[i]!, refS[i]!, t + 1));
    ps.forEach((p, i) => assertClose(vals(p), refP[i]!, { ...TOL, message: `step ${t + 1} param ${i}` }));
  });
  opt.dispose();
}

const zeros = (n: number) => new Array<number>(n).fill(0);
const avgGrad = (st: Record<string, number[]>, g: number[], mom: number, damp: boolean) => {
  const a = (st.avg ??= zeros(g.length));
  g.forEach((x, j) => (a[j] = mom * a[j]! + (damp ? 1 - mom : 1) * x));
  return a;
};
const sqrGrad = (st: Record<string, number[]>, g: number[], sqrMom: number) => {
  const s = (st.sqr ??= zeros(g.length));
  g.forEach((x, j) => (s[j] = sqrMom * s[j]! + (1 - sqrMom) * x * x));
  return s;
};
const wdDecay = (p: number[], lr: number, wd: number) => p.forEach((x, j) => (p[j] = x * (1 - lr * wd)));

describe('Adam', () => {
  it('moves p by -lr*g/(|g|+1e-5) after the decay p*(1-lr*wd) on its first step (fastai defaults)', () => {
    const p = torch.tensor([0.5, -1.2, 2.0, 0.0]).keep();
    p.requiresGrad = true;
    p.grad = torch.tensor([0.1, -0.4, 1e-4, 3.0]);
    const opt = Adam([[p]], { lr: 0.01 });
    assert.deepEqual(opt.hypers, [{ lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 }]);
    opt.step();
    const g = [0.1, -0.4, 1e-4, 3.0];
    const want = [0.5, -1.2, 2.0, 0.0].map((x, j) => x * (1 - 0.01 * 0.01) - (0.01 * g[j]!) / (Math.abs(g[j]!) + 1e-5));
    assertClose(p.toTypedArray() as Float32Array, want, { atol: 1e-7, rtol: 1e-6 });
    opt.dispose();
  });

  it('matches fastai adam_step over 3 steps, per-group hypers, and does not decay doWd=false params', () => {
    const ps = P0.map(f64);
    const opt = Adam([[ps[0]!], [ps[1]!]], { lr: [0.01, 0.1], wd: 0.1 });
    opt.setParamFlags(ps[1]!, { doWd: false });
    const lrs = [0.01, 0.1];
    const ref = P0.map((p) => [...p]);
    const st = P0.map(() => ({}) as Record<string, number[]>);
    GRADS.forEach((gs, t) => {
      ps.forEach((p, i) => setGrad(p, gs[i]!));
      opt.step();
      ref.forEach((p, i) => {
        const lr = lrs[i]!;
        if (i === 0) wdDecay(p, lr, 0.1);
        const a = avgGrad(st[i]!, gs[i]!, 0.9, true);
        const s = sqrGrad(st[i]!, gs[i]!, 0.99);
        const d1 = 1 - 0.9 ** (t + 1);
        const d2 = 1 - 0.99 ** (t + 1);
        p.forEach((x, j) => (p[j] = x - ((lr / d1) * a[j]!) / (Math.sqrt(s[j]! / d2) + 1e-5)));
      });
      ps.forEach((p, i) => assertClose(vals(p), ref[i]!, { ...TOL, message: `step ${t + 1} param ${i}` }));
    });
    opt.dispose();
  });

  it('uses L2 regularization instead when decoupleWd is false', () => {
    check(
      (g) => Adam(g, { lr: 0.05, wd: 0.2, decoupleWd: false }),
      (p, g0, st, t) => {
        const g = g0.map((x, j) => x + 0.2 * p[j]!);
        const a = avgGrad(st, g, 0.9, true);
        const s = sqrGrad(st, g, 0.99);
        p.forEach((x, j) => (p[j] = x - ((0.05 / (1 - 0.9 ** t)) * a[j]!) / (Math.sqrt(s[j]! / (1 - 0.99 ** t)) + 1e-5)));
      },
    );
  });
});

describe('SGD, RMSProp, RAdam, Lamb', () => {
  it('SGD without momentum: p -= lr*g (no decay by default)', () => {
    check((g) => SGD(g, { lr: 0.1 }), (p, g) => p.forEach((x, j) => (p[j] = x - 0.1 * g[j]!)));
  });

  it('SGD with momentum (undampened) and decoupled weight decay', () => {
    check(
      (g) => SGD(g, { lr: 0.1, mom: 0.9, wd: 0.01 }),
      (p, g, st) => {
        wdDecay(p, 0.1, 0.01);
        const a = avgGrad(st, g, 0.9, false);
        p.forEach((x, j) => (p[j] = x - 0.1 * a[j]!));
      },
    );
  });

  it('RMSProp: p -= lr*g/(sqrt(sqrAvg)+eps), with and without momentum', () => {
    check(
      (g) => RMSProp(g, { lr: 0.01 }),
      (p, g, st) => {
        const s = sqrGrad(st, g, 0.99);
        p.forEach((x, j) => (p[j] = x - (0.01 * g[j]!) / (Math.sqrt(s[j]!) + 1e-8)));
      },
    );
    check(
      (g) => RMSProp(g, { lr: 0.01, mom: 0.8, wd: 0.5 }),
      (p, g, st) => {
        wdDecay(p, 0.01, 0.5);
        const a = avgGrad(st, g, 0.8, false);
        const s = sqrGrad(st, g, 0.99);
        p.forEach((x, j) => (p[j] = x - (0.01 * a[j]!) / (Math.sqrt(s[j]!) + 1e-8)));
      },
    );
  });

  it('RAdam: momentum steps while r <= 5, rectified Adam steps after (7 steps cover both); softplus with beta', () => {
    const steps = [...GRADS, ...GRADS, GRADS[0]!];
    for (const beta of [0, 50]) {
      // softplus(x, beta), linear above beta*x > 20 as PyTorch's
      const sp = (x: number) => (beta === 0 ? x : beta * x > 20 ? x : Math.log1p(Math.exp(beta * x)) / beta);
      check(
        (g) => RAdam(g, { lr: 0.01, beta }),
        (p, g, st, t) => {
          const a = avgGrad(st, g, 0.9, true);
          const s = sqrGrad(st, g, 0.99);
          const d1 = 1 - 0.9 ** t;
          const d2 = 1 - 0.99 ** t;
          const rInf = 2 / (1 - 0.99) - 1;
          const r = rInf - (2 * t * 0.99 ** t) / (1 - 0.99 ** t);
          assert.equal(r > 5, t >= 6, `the test should rectify from step 6 (r ${r} at step ${t})`);
          if (r <= 5) p.forEach((x, j) => (p[j] = x - (0.01 / d1) * a[j]!));
          else {
            const v = Math.sqrt(((r - 4) * (r - 2) * rInf) / ((rInf - 4) * (rInf - 2) * r));
            p.forEach((x, j) => (p[j] = x - ((0.01 * v) / d1) * (a[j]! / sp(Math.sqrt(s[j]! / d2) + 1e-5))));
          }
        },
        steps,
      );
    }
  });

  it('Lamb: Adam step scaled by the trust ratio min(rms(p)/rms(step), 10), 1 when either is 0', () => {
    const rms = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    const run = (p0: number[][], lr: number) => {
      const ps = p0.map(f64);
      const opt = Lamb([ps], { lr, wd: 0.1 });
      const ref = p0.map((p) => [...p]);
      const st = p0.map(() => ({}) as Record<string, number[]>);
      const qs: number[] = [];
      GRADS.forEach((gs, t) => {
        ps.forEach((p, i) => setGrad(p, gs[i]!.slice(0, p0[i]!.length)));
        opt.step();
        ref.forEach((p, i) => {
          const g = gs[i]!.slice(0, p.length);
          wdDecay(p, lr, 0.1);
          const a = avgGrad(st[i]!, g, 0.9, true);
          const s = sqrGrad(st[i]!, g, 0.99);
          const step = a.map((x, j) => x / (1 - 0.9 ** (t + 1)) / (Math.sqrt(s[j]! / (1 - 0.99 ** (t + 1))) + 1e-5));
          const r1 = rms(p);
          const r2 = rms(step);
          const q = r1 === 0 || r2 === 0 ? 1 : Math.min(r1 / r2, 10);
          qs.push(q);
          p.forEach((x, j) => (p[j] = x - lr * q * step[j]!));
        });
        ps.forEach((p, i) => assertClose(vals(p), ref[i]!, { ...TOL, message: `step ${t + 1} param ${i}` }));
      });
      opt.dispose();
      return qs;
    };
    const qs = run([[0, 0, 0], [30, -20, 25, 40]], 0.01);
    assert.equal(qs[0], 1, 'a zero parameter takes the plain step');
    assert.equal(qs[1], 10, 'the trust ratio is clipped at 10');
    run(P0, 0.01);
  });
});

describe('Lookahead and ranger', () => {
  it('moves the slow weights alpha of the way every k steps and restarts the fast weights there', () => {
    const ps = P0.map(f64);
    const opt = Lookahead(SGD, { k: 2, alpha: 0.3 })([ps], { lr: 0.1 });
    const fast = P0.map((p) => [...p]);
    GRADS.forEach((gs, t) => {
      ps.forEach((p, i) => setGrad(p, gs[i]!));
      opt.step();
      fast.forEach((p, i) => p.forEach((x, j) => (p[j] = x - 0.1 * gs[i]![j]!)));
      if (t === 1) fast.forEach((p, i) => p.forEach((x, j) => (p[j] = P0[i]![j]! + 0.3 * (x - P0[i]![j]!))));
      ps.forEach((p, i) => assertClose(vals(p), fast[i]!, { ...TOL, message: `step ${t + 1}` }));
    });
    assert.deepEqual(opt.hypers, [{ lr: 0.1, mom: 0, wd: 0 }]);
    opt.dispose();
  });

  it('ranger is Lookahead over RAdam with mom 0.95, wd 0.01, eps 1e-6', () => {
    const opt = ranger([P0.map(f64)], { lr: 1e-3 });
    assert.deepEqual(opt.hypers, [{ lr: 1e-3, mom: 0.95, sqrMom: 0.99, eps: 1e-6, wd: 0.01, beta: 0 }]);
    opt.dispose();
  });
});

describe('learning rates', () => {
  const close = (a: number[], b: number[]) => assertClose(a, b, { atol: 0, rtol: 1e-12 });
  it('spreads slices, numbers and arrays over the groups as fastai', () => {
    close(spreadLrs(slice(1e-6, 1e-4), 3), [1e-6, 1e-5, 1e-4]);
    close(spreadLrs(slice(1e-3), 3), [1e-4, 1e-4, 1e-3]);
    close(spreadLrs(slice(1e-5, 1e-3), 1), [1e-3]);
    assert.deepEqual(spreadLrs(2e-3, 3), [2e-3, 2e-3, 2e-3]);
    assert.deepEqual(spreadLrs([1, 2, 3], 3), [1, 2, 3]);
    assert.deepEqual(spreadLrs([4], 2), [4, 4]);
    assert.equal(spreadLrs(slice(1e-6, 1e-4), 3)[2], 1e-4);
  });

  it('setHyper takes a number, an array per group or a slice; new names are allowed', () => {
    const opt = Adam([[f64([1])], [f64([2])], [f64([3])]], { lr: slice(1e-3) });
    close(opt.hypers.map((h) => h.lr!), [1e-4, 1e-4, 1e-3]);
    opt.setHyper('mom', [0.8, 0.85, 0.9]);
    opt.setHyper('lr', slice(1e-6, 1e-4));
    opt.setHyper('myHyper', 3);
    close(opt.hypers.map((h) => h.lr!), [1e-6, 1e-5, 1e-4]);
    assert.deepEqual(opt.hypers.map((h) => [h.mom, h.myHyper]), [[0.8, 3], [0.85, 3], [0.9, 3]]);
    opt.dispose();
  });

  it('rejects bad input with messages naming the problem', () => {
    const opt = Adam([[f64([1])], [f64([2])]], { lr: 1e-3 });
    assert.throws(() => opt.setHyper('lr', [1, 2, 3]), /3 values for 'lr' but there are 2 parameter groups/);
    assert.throws(() => opt.setHyper('lr', -1e-3), /must not be negative, got lr -0.001/);
    assert.throws(() => opt.setHyper('wd', Number.NaN), /'wd' must be finite numbers, got NaN/);
    assert.throws(() => opt.setParamFlags(f64([1]), { doWd: false }), /not one of this optimizer's parameters/);
    assert.throws(() => slice(0, 1e-3), /lo must be a positive finite learning rate, got 0/);
    assert.throws(() => spreadLrs(1e-3, 0), /nGroups must be a positive integer, got 0/);
    assert.throws(() => Adam([], { lr: 1e-3 }), /paramGroups must be a non-empty array of arrays/);
    const p = f64([1]);
    assert.throws(() => SGD([[p], [p]], { lr: 1 }), /paramGroups\[1\]\[0\] appears twice/);
    const noLr = new Optimizer([[p]], [sgdStep], {});
    p.grad = torch.tensor([1], { dtype: 'float64' });
    assert.throws(() => noLr.step(), /stepper sgdStep needs the hyper-parameter 'lr'/);
    opt.dispose();
    assert.throws(() => opt.step(), /this optimizer was disposed/);
  });
});

describe('freezing', () => {
  it('freezeTo trains groups from n on, keeps forceTrain params trainable, counts negative n from the end', () => {
    const groups = [[f64([1]), f64([2])], [f64([3])], [f64([4])]];
    const bn = groups[0]![1]!;
    const opt = SGD(groups, { lr: 0.1 });
    opt.setParamFlags(bn, { forceTrain: true });
    const rg = () => groups.map((g) => g.map((p) => p.requiresGrad));
    opt.freeze();
    assert.deepEqual(rg(), [[false, true], [false], [true]]);
    opt.freezeTo(1);
    assert.deepEqual(rg(), [[false, true], [true], [true]]);
    opt.freezeTo(-2);
    assert.deepEqual(rg(), [[false, true], [true], [true]]);
    opt.unfreeze();
    assert.deepEqual(rg(), [[true, true], [true], [true]]);
    assert.throws(() => SGD([[f64([1])]], { lr: 1 }).freeze(), /one parameter group/);
    opt.dispose();
  });

  it('freezing clears the state; params without a gradient are skipped', () => {
    const ps = [f64([1, 2]), f64([3])];
    const opt = Adam([[ps[0]!], [ps[1]!]], { lr: 0.1 });
    setGrad(ps[0]!, [1, 1]);
    opt.step();
    assert.deepEqual(vals(ps[1]!), [3], 'no gradient, no change (not even weight decay)');
    assert.deepEqual(Object.keys(opt.stateDict().tensors).sort(), ['0.0.gradAvg', '0.0.sqrAvg']);
    opt.freeze();
    assert.deepEqual(opt.stateDict().tensors, {});
    assert.deepEqual(opt.stateDict().meta.steps, [[0], [0]]);
    opt.dispose();
  });
});

describe('state', () => {
  it('keeps one step count per parameter: a parameter that missed steps debiases as on its first', () => {
    const a = f64([1]);
    const b = f64([1]);
    const opt = Adam([[a, b]], { lr: 0.1, wd: 0 });
    setGrad(a, [0.5]);
    opt.step();
    setGrad(a, [0.5]);
    setGrad(b, [0.5]);
    opt.step();
    assert.deepEqual(opt.stateDict().meta.steps, [[2, 1]]);
    assertClose(vals(b), [1 - 0.1 * (0.5 / (0.5 + 1e-5))], TOL);
    opt.dispose();
  });

  it('stateDict/loadStateDict round trip (through JSON for meta) gives identical next steps, Lookahead too', () => {
    const factories: OptFunc[] = [Adam, Lookahead(RAdam, { k: 3 }), Lamb];
    for (const make of factories) {
      const ps = P0.map(f64);
      const opt = make([ps], { lr: 0.02 });
      for (const gs of GRADS.slice(0, 2)) {
        ps.forEach((p, i) => setGrad(p, gs[i]!));
        opt.step();
      }
      opt.setHyper('lr', 0.05);
      const sd = opt.stateDict();
      const qs = ps.map((p) => f64(vals(p)));
      const opt2 = make([qs], { lr: 1 });
      const copies = Object.fromEntries(Object.entries(sd.tensors).map(([k, t]) => [k, t.clone().keep()]));
      opt2.loadStateDict({ tensors: copies, meta: JSON.parse(JSON.stringify(sd.meta)) });
      torch.dispose(copies);
      assert.deepEqual(opt2.hypers, opt.hypers);
      for (const gs of [GRADS[2]!, GRADS[0]!]) {
        [ps, qs].forEach((list) => list.forEach((p, i) => setGrad(p, gs[i]!)));
        opt.step();
        opt2.step();
        ps.forEach((p, i) => assert.deepEqual(vals(qs[i]!), vals(p)));
      }
      assert.throws(() => opt2.loadStateDict({ tensors: {}, meta: { groupSizes: [1] } }), /groups of sizes \[1\], this optimizer has \[2\]/);
      opt.dispose();
      opt2.dispose();
    }
  });

  it('frees its temporaries each step and its state on clearState/dispose', () => {
    const ps = P0.map(f64);
    for (const make of [Adam, RAdam, Lamb, ranger, RMSProp] as OptFunc[]) {
      const base = torch.memory().liveTensors;
      const opt = make([ps.slice(0, 1), ps.slice(1)], { lr: 0.01 });
      const steps = () => GRADS.forEach((gs) => {
        ps.forEach((p, i) => setGrad(p, gs[i]!));
        opt.step();
        opt.zeroGrad();
      });
      steps();
      const withState = torch.memory().liveTensors;
      steps();
      assert.equal(torch.memory().liveTensors, withState, 'steps leave no tensors behind');
      opt.clearState();
      assert.equal(torch.memory().liveTensors, base, `clearState frees the state (${make.name})`);
      steps();
      opt.dispose();
      assert.equal(torch.memory().liveTensors, base, 'dispose frees the state');
    }
  });

  it('composes custom steppers into an Optimizer (fastai style)', () => {
    check(
      (g) => new Optimizer(g, [averageGrad({ dampening: true }), averageSqrGrad(), stepStat, adamStep], { lr: 0.1, mom: 0.5, sqrMom: 0.9, eps: 1e-3 }),
      (p, g, st, t) => {
        const a = avgGrad(st, g, 0.5, true);
        const s = sqrGrad(st, g, 0.9);
        p.forEach((x, j) => (p[j] = x - ((0.1 / (1 - 0.5 ** t)) * a[j]!) / (Math.sqrt(s[j]! / (1 - 0.9 ** t)) + 1e-3)));
      },
    );
  });
});
