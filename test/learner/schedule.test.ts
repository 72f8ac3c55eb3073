import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineScheds, combinedCos, schedCos, schedExp, schedLin, schedNo, schedPoly } from '../../src/learner/schedule.js';
import { assertClose } from '../helpers.js';

describe('single schedules', () => {
  it('schedLin, schedNo and schedPoly follow their formulas', () => {
    const lin = schedLin(2, 10);
    assert.deepEqual([0, 0.25, 1].map(lin), [2, 4, 10]);
    assert.deepEqual([0, 0.5, 1].map(schedNo(3, 7)), [3, 3, 3]);
    const poly = schedPoly(1, 5, 2);
    assertClose([0, 0.5, 1].map(poly), [1, 1 + 4 * 0.25, 5]);
  });

  it('schedCos follows a + (1 + cos(pi*(1-p)))*(b-a)/2', () => {
    const s = schedCos(1, 3);
    assertClose([0, 0.5, 1].map(s), [1, 2, 3], { atol: 1e-12 });
    const p = 0.3;
    assertClose(s(p), 1 + ((1 + Math.cos(Math.PI * 0.7)) * 2) / 2, { rtol: 1e-14 });
  });

  it('schedExp is geometric and refuses a zero or sign-changing range', () => {
    const s = schedExp(1e-7, 10);
    assertClose([0, 0.5, 1].map(s), [1e-7, 1e-7 * Math.sqrt(1e8), 10], { rtol: 1e-12 });
    assert.throws(() => schedExp(0, 1), /non-zero with the same sign/);
    assert.throws(() => schedExp(-1, 1), /non-zero with the same sign/);
  });

  it('errors on a position outside [0, 1] or NaN, naming the value', () => {
    assert.throws(() => schedLin(0, 1)(1.5), /pos must be in \[0, 1\].*1\.5/);
    assert.throws(() => schedCos(0, 1)(-0.1), /-0\.1/);
    assert.throws(() => schedNo(0)(Number.NaN), /NaN/);
  });

  it('errors on non-finite start or end', () => {
    assert.throws(() => schedLin(Number.POSITIVE_INFINITY, 1), /start must be a finite number/);
  });
});

describe('combineScheds', () => {
  it('gives each phase its local position', () => {
    const s = combineScheds([0.25, 0.75], [schedLin(0, 1), schedLin(10, 20)]);
    assertClose(s(0), 0);
    assertClose(s(0.125), 0.5);
    assertClose(s(0.25), 10); // at the boundary the later phase starts
    assertClose(s(0.625), 15);
    assertClose(s(1), 20);
  });

  it('skips phases of width 0', () => {
    const s = combineScheds([0, 1, 0], [schedNo(-1), schedLin(0, 1), schedNo(-2)]);
    assert.deepEqual([0, 0.5, 1].map(s), [0, 0.5, 1]);
  });

  it('validates its inputs', () => {
    assert.throws(() => combineScheds([0.5, 0.4], [schedNo(1), schedNo(2)]), /must sum to 1, got 0\.9/);
    assert.throws(() => combineScheds([0.5], [schedNo(1), schedNo(2)]), /same length/);
    assert.throws(() => combineScheds([1.5, -0.5], [schedNo(1), schedNo(2)]), /each pct must be in \[0, 1\]/);
    // 0.1 + 0.2 + 0.7 is not exactly 1 in floating point; still accepted.
    assert.doesNotThrow(() => combineScheds([0.1, 0.2, 0.7], [schedNo(1), schedNo(2), schedNo(3)]));
  });
});

describe("one-cycle numbers from fastai's reference", () => {
  const lrMax = 1e-3;
  const lr = combinedCos(0.25, lrMax / 25, lrMax, lrMax / 1e5);
  const mom = combinedCos(0.25, 0.95, 0.85, 0.95);
  const n = 100;
  const lrs = Array.from({ length: n }, (_, i) => lr(i / n));
  const moms = Array.from({ length: n }, (_, i) => mom(i / n));

  it('starts at lrMax/div = 4e-5, peaks at 1e-3 at iteration 25 and ends at lrMax/divFinal = 1e-8', () => {
    assertClose(lrs[0]!, 4e-5, { rtol: 1e-12 });
    assertClose(lrs[25]!, 1e-3, { rtol: 1e-12 });
    assert.equal(Math.max(...lrs), lrs[25]);
    assertClose(lr(1), 1e-8, { rtol: 1e-9, atol: 0 });
    // The last batch (pos 0.99) is cosine-annealed at local position 0.74/0.75.
    const p = 0.74 / 0.75;
    assertClose(lrs[99]!, 1e-3 + ((1 + Math.cos(Math.PI * (1 - p))) * (1e-8 - 1e-3)) / 2, { rtol: 1e-9 });
    assert.ok(lrs[99]! < 1e-6);
  });

  it('rises then falls monotonically', () => {
    for (let i = 1; i <= 25; i++) assert.ok(lrs[i]! > lrs[i - 1]!, `lr rises at ${i}`);
    for (let i = 26; i < n; i++) assert.ok(lrs[i]! < lrs[i - 1]!, `lr falls at ${i}`);
  });

  it('moves momentum 0.95 -> 0.85 -> 0.95', () => {
    assertClose(moms[0]!, 0.95, { rtol: 1e-12 });
    assertClose(moms[25]!, 0.85, { rtol: 1e-12 });
    assertClose(mom(1), 0.95, { rtol: 1e-12 });
    assert.equal(Math.min(...moms), moms[25]);
  });
});
