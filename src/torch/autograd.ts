/**
 * Grad mode: turning autograd's recording off and on for a region.
 * @module
 */
import { native } from './native.js';

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(enabled);
  try {
    const out = fn();
    if (out instanceof Promise) {
      // Grad mode is thread-global state: restoring it before the promise settles would be wrong.
      throw new TypeError('noGrad()/enableGrad() take a synchronous function');
    }
    return out;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` without recording operations for autograd (inference, optimizer steps). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with autograd recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Whether operations are recorded for autograd right now (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/** Turns recording on or off until changed again; returns the previous setting. */
export function setGradEnabled(enabled: boolean): boolean {
  return native.setGradEnabled(enabled);
}
