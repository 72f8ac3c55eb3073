/**
 * Hyper-parameter schedules as fastai's: pure functions of the position in training.
 *
 * A {@link Schedule} maps `pos` in [0, 1] (the fraction of training done: 0 at the first batch)
 * to a value. A position outside [0, 1], or NaN, is an error (RangeError) rather than clamped:
 * it means the caller computed the position wrongly, and clamping would hide that.
 * @module
 */

/** A schedule: `pos` in [0, 1] (fraction of training done) to a value. */
export type Schedule = (pos: number) => number;

function checkFinite(name: string, args: Record<string, number>): void {
  for (const [k, v] of Object.entries(args)) {
    if (!Number.isFinite(v)) throw new RangeError(`${name}: ${k} must be a finite number, not ${v}`);
  }
}

function checkPos(name: string, pos: number): void {
  if (!(pos >= 0 && pos <= 1)) {
    throw new RangeError(`${name}: pos must be in [0, 1] (the fraction of training done), not ${pos}`);
  }
}

/** Linear from `start` (pos 0) to `end` (pos 1): `start + pos*(end-start)`. */
export function schedLin(start: number, end: number): Schedule {
  checkFinite('schedLin', { start, end });
  return (pos) => {
    checkPos('schedLin', pos);
    return start + pos * (end - start);
  };
}

/** Cosine annealing from `start` to `end`: `start + (1 + cos(pi*(1-pos)))*(end-start)/2`. */
export function schedCos(start: number, end: number): Schedule {
  checkFinite('schedCos', { start, end });
  return (pos) => {
    checkPos('schedCos', pos);
    return start + ((1 + Math.cos(Math.PI * (1 - pos))) * (end - start)) / 2;
  };
}

/** Constant `start` (`end` is accepted for symmetry with the other schedules and ignored, as fastai). */
export function schedNo(start: number, _end?: number): Schedule {
  checkFinite('schedNo', { start });
  return (pos) => {
    checkPos('schedNo', pos);
    return start;
  };
}

/**
 * Exponential (geometric) from `start` to `end`: `start*(end/start)^pos`, as the lr finder uses.
 * `start` and `end` must be non-zero with the same sign.
 */
export function schedExp(start: number, end: number): Schedule {
  checkFinite('schedExp', { start, end });
  if (start === 0 || !(end / start > 0)) {
    throw new RangeError(`schedExp: start and end must be non-zero with the same sign (got start ${start}, end ${end}); use schedLin or schedCos to reach 0`);
  }
  return (pos) => {
    checkPos('schedExp', pos);
    return start * (end / start) ** pos;
  };
}

/** Polynomial from `start` to `end`: `start + (end-start)*pos^power`. */
export function schedPoly(start: number, end: number, power: number): Schedule {
  checkFinite('schedPoly', { start, end, power });
  return (pos) => {
    checkPos('schedPoly', pos);
    return start + (end - start) * pos ** power;
  };
}

/**
 * Chains schedules, as fastai's `combine_scheds`: phase `i` covers a fraction `pcts[i]` of
 * training (the fractions are non-negative and sum to 1) and runs `scheds[i]` over its own local
 * position 0..1. At a boundary the later phase starts (its local position 0); phases of width 0
 * are never used.
 */
export function combineScheds(pcts: readonly number[], scheds: readonly Schedule[]): Schedule {
  if (pcts.length === 0 || pcts.length !== scheds.length) {
    throw new RangeError(`combineScheds: pcts and scheds must be non-empty and the same length (got ${pcts.length} pcts, ${scheds.length} scheds)`);
  }
  for (const p of pcts) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`combineScheds: each pct must be in [0, 1], got ${p} in [${pcts.join(', ')}]`);
  }
  const total = pcts.reduce((s, p) => s + p, 0);
  // Tolerance for sums like 0.1 + 0.2 + 0.7 that are 1 only up to rounding.
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`combineScheds: pcts must sum to 1, got ${total} from [${pcts.join(', ')}]`);
  const starts: number[] = [];
  let acc = 0;
  for (const p of pcts) {
    starts.push(acc);
    acc += p;
  }
  const live = pcts.map((_, i) => i).filter((i) => pcts[i]! > 0);
  return (pos) => {
    checkPos('combineScheds', pos);
    // The last phase with a positive width that has started at pos.
    let idx = live[0]!;
    for (const i of live) if (pos >= starts[i]!) idx = i;
    const local = Math.min(1, Math.max(0, (pos - starts[idx]!) / pcts[idx]!));
    return scheds[idx]!(local);
  };
}

/**
 * fastai's `combined_cos`: cosine from `start` to `middle` over the first `pct` of training,
 * then cosine from `middle` to `end`. One-cycle's learning rate is
 * `combinedCos(pctStart, lrMax/div, lrMax, lrMax/divFinal)` and its momentum
 * `combinedCos(pctStart, 0.95, 0.85, 0.95)`.
 */
export function combinedCos(pct: number, start: number, middle: number, end: number): Schedule {
  return combineScheds([pct, 1 - pct], [schedCos(start, middle), schedCos(middle, end)]);
}
