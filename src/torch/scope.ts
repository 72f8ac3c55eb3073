/**
 * Deterministic memory management. JavaScript's garbage collector does not see native tensor
 * memory, so a training loop frees its tensors explicitly: with {@link tidy}, which frees every
 * tensor created inside it except the ones it returns, or with `tensor.dispose()`.
 * Finalizers and the memory reported to V8 are only a safety net.
 * @module
 */

/** What scopes need of a tensor (kept minimal so this module does not import Tensor). */
export interface Disposable {
  dispose(): void;
  /** @internal set by keep(): no scope disposes this tensor. */
  _kept: boolean;
}

const scopes: Disposable[][] = [];

/** @internal Records a new tensor in the innermost open scope. */
export function track(t: Disposable): void {
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.push(t);
}

/** Collects the tensors in a tidy() result: a tensor, or arrays/plain objects/Maps of them. */
function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('_kept' in value && typeof (value as Disposable).dispose === 'function') {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

/**
 * Runs `fn` and frees every tensor created while it ran, except those it returns (a tensor, or
 * tensors inside returned arrays, plain objects or Maps) and those passed to {@link keep}.
 * Returned tensors move to the enclosing scope, if any. `fn` must be synchronous: an async
 * function's tensors outlive the scope, so tidy() refuses promises.
 *
 * @example
 * const loss = torch.tidy(() => F.crossEntropy(model.call(x), y)); // intermediates freed
 */
export function tidy<T>(fn: () => T): T {
  const scope: Disposable[] = [];
  scopes.push(scope);
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new TypeError(
        'tidy() takes a synchronous function; inside async code, wrap each synchronous step in tidy() or call dispose()',
      );
    }
    return result;
  } finally {
    scopes.pop();
    const keep = new Set<Disposable>();
    collect(result, keep);
    for (const t of scope) {
      if (keep.has(t)) track(t);
      else if (!t._kept) t.dispose();
    }
  }
}

/** Exempts a tensor from every tidy() scope (module parameters, running statistics, caches). */
export function keep<T extends Disposable>(t: T): T {
  t._kept = true;
  return t;
}

/** Disposes every tensor found in `value` (a tensor, or arrays/objects/Maps of them). */
export function dispose(value: unknown): void {
  const all = new Set<Disposable>();
  collect(value, all);
  for (const t of all) t.dispose();
}
