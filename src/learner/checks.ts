/**
 * Argument checks shared by the Learner and its fitting recipes: each names the argument, the
 * bad value and what to do.
 * @module
 */
import { describeArg } from '../data/validate.js';

export function checkLr(lr: number, what: string): number {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new RangeError(`Learner: ${what} must be a positive number, got ${describeArg(lr)} (try lrFind() for a good value)`);
  }
  return lr;
}

export function checkPositive(v: number, who: string, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${who}: ${what} must be a positive number, got ${describeArg(v)}`);
}

export function checkFraction(v: number, who: string, what: string): void {
  if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new RangeError(`${who}: ${what} must be between 0 and 1 (exclusive), got ${describeArg(v)}`);
}

export function checkEpochs(n: number, who: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${who}: the number of epochs must be a non-negative integer, got ${describeArg(n)}`);
}
