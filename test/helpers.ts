/**
 * Shared test helpers: locating ../shared (data, weights, fixtures) and comparing numbers.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The shared folder beside the checkout (never copied into the repository). */
export const SHARED = process.env.FASTAI_TS_SHARED ?? resolve(ROOT, '..', 'shared');

/** The path of a file or folder in ../shared. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED, ...parts);
}

/**
 * True when every path exists in ../shared; otherwise marks the test skipped with a message
 * naming what is missing, and returns false (the caller returns early).
 */
export function haveShared(t: TestContext, ...parts: string[][]): boolean {
  const missing = parts.map((p) => sharedPath(...p)).filter((p) => !existsSync(p));
  if (missing.length) {
    t.skip(`needs ${missing.join(', ')} (the shared data folder beside the checkout; set FASTAI_TS_SHARED to point elsewhere)`);
    return false;
  }
  return true;
}

/** Reads a raw little-endian float32 file. */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise, reporting the worst element. */
export function assertClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { atol = 1e-6, rtol = 1e-5, message = '' }: { atol?: number; rtol?: number; message?: string } = {},
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  assert.equal(a.length, e.length, `${message} length ${a.length} != ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i]! - e[i]!) - (atol + rtol * Math.abs(e[i]!));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  assert.ok(worst < 0, `${message} element ${worst}: ${a[worst]} != ${e[worst]} (atol ${atol}, rtol ${rtol})`);
}

/** Relative L2 error ||a - b|| / ||b||. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
