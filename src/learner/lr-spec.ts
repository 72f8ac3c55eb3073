/**
 * fastai's learning-rate specs: one rate for every group, one per group, or `slice(hi)` /
 * `slice(lo, hi)` spread over the groups (re-exported by optimizer.ts).
 * @module
 */

/** fastai's `slice(lo, hi)` / `slice(hi)` learning rates; build with {@link slice}. */
export class LrSlice {
  /** @internal use {@link slice} */
  constructor(
    readonly start: number | null,
    readonly stop: number,
  ) {}
}

/** Learning rates: one for every group, one per group, or a slice spread over the groups ({@link spreadLrs}). */
export type LrSpec = number | readonly number[] | LrSlice;

/** `slice(hi)`: `hi/10` for every group but the last, `hi` for the last (fastai). */
export function slice(hi: number): LrSlice;
/** `slice(lo, hi)`: rates spread geometrically from `lo` (first group) to `hi` (last group) (fastai). */
export function slice(lo: number, hi: number): LrSlice;
export function slice(a: number, b?: number): LrSlice {
  const [lo, hi] = b === undefined ? [null, a] : [a, b];
  for (const [name, v] of [['hi', hi], ['lo', lo]] as const) {
    if (v !== null && !(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`slice(): ${name} must be a positive finite learning rate, got ${v}`);
    }
  }
  return new LrSlice(lo, hi);
}

/**
 * One learning rate per group from a spec, by fastai's rules: a number for every group; an
 * array as given (its length must be `nGroups`, or 1); `slice(hi)` gives `hi/10` but `hi` for
 * the last group; `slice(lo, hi)` gives `lo*(hi/lo)^(i/(n-1))`.
 * @example spreadLrs(slice(1e-6, 1e-4), 3) // [1e-6, 1e-5, 1e-4]
 */
export function spreadLrs(lr: LrSpec, nGroups: number): number[] {
  if (!Number.isInteger(nGroups) || nGroups < 1) throw new RangeError(`spreadLrs(): nGroups must be a positive integer, got ${nGroups}`);
  if (lr instanceof LrSlice) {
    const { start, stop } = lr;
    if (start === null) return Array.from({ length: nGroups }, (_, i) => (i === nGroups - 1 ? stop : stop / 10));
    if (nGroups === 1) return [stop];
    const step = (stop / start) ** (1 / (nGroups - 1));
    return Array.from({ length: nGroups }, (_, i) => (i === nGroups - 1 ? stop : start * step ** i));
  }
  return spreadValues('lr', lr, nGroups);
}

/** @internal One finite value per group from a number or an array (length n or 1); lr must not be negative. */
export function spreadValues(name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v !== 'number' && !Array.isArray(v)) {
    throw new TypeError(`optimizer: '${name}' must be a number or an array of numbers (one per group), got ${typeof v}`);
  }
  const given = typeof v === 'number' ? [v] : [...v];
  const values = given.length === 1 ? new Array<number>(n).fill(given[0]!) : given;
  if (values.length !== n) {
    throw new RangeError(
      `optimizer: ${values.length} values for '${name}' but there are ${n} parameter groups; pass one number, or one value per group`,
    );
  }
  for (const x of values) {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`optimizer: '${name}' must be finite numbers, got ${x}`);
    if (name === 'lr' && x < 0) throw new RangeError(`optimizer: learning rates must not be negative, got lr ${x}`);
  }
  return values;
}
