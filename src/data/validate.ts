/**
 * Argument checks shared by the data and vision layers, so every option is validated the same
 * way and every message names the function, the option, the value as it was given (a string
 * `'32'` is not the number 32; NaN is not null) and what is accepted.
 * @module
 */

/** A value as a user would recognise it in a message: `NaN`, `the string '32'`, `[224, 0]`. */
export function describeArg(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? `'${v}'` : describeArg(v))).join(', ')}]`;
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Throws unless `value` is an integer of at least `min`. */
export function checkInt(who: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'an integer >= 0' : `an integer >= ${min}`;
    throw new RangeError(`${who}: ${name} must be ${what}, got ${describeArg(value)}`);
  }
  return value;
}

/**
 * Throws unless `value` is a finite number in the range: `[lo, hi]`, with `open` naming the
 * ends that are excluded ('lo', 'hi' or 'both').
 */
export function checkNumber(who: string, name: string, value: unknown, lo = -Infinity, hi = Infinity, open?: 'lo' | 'hi' | 'both'): number {
  const loOk = (v: number) => (open === 'lo' || open === 'both' ? v > lo : v >= lo);
  const hiOk = (v: number) => (open === 'hi' || open === 'both' ? v < hi : v <= hi);
  if (typeof value !== 'number' || !Number.isFinite(value) || !loOk(value) || !hiOk(value)) {
    const l = lo === -Infinity ? '' : `${open === 'lo' || open === 'both' ? '(' : '['}${lo}`;
    const h = hi === Infinity ? '' : `${hi}${open === 'hi' || open === 'both' ? ')' : ']'}`;
    const range = l && h ? ` in ${l}, ${h}` : l ? ` ${open === 'lo' || open === 'both' ? '>' : '>='} ${lo}` : h ? ` ${open === 'hi' || open === 'both' ? '<' : '<='} ${hi}` : '';
    throw new RangeError(`${who}: ${name} must be a finite number${range}, got ${describeArg(value)}`);
  }
  return value;
}

/** Throws unless `value` is a probability in [0, 1]. */
export function checkProbability(who: string, name: string, value: unknown): number {
  return checkNumber(who, name, value, 0, 1);
}

/** Throws unless `value` is one of `accepted` (listing them). */
export function checkOneOf<T extends string>(who: string, name: string, value: unknown, accepted: readonly T[]): T {
  if (!accepted.includes(value as T)) {
    throw new RangeError(`${who}: ${name} must be one of ${accepted.map((a) => `'${a}'`).join(', ')}; got ${describeArg(value)}`);
  }
  return value as T;
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(who: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${who}: ${name} must be true or false, got ${describeArg(value)}`);
  return value;
}
