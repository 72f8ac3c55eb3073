/**
 * Functions over several tensors (`cat`, `stack`, `where`) and the function forms of
 * Tensor methods (`torch.add(a, b)` is `a.add(b)`).
 * @module
 */
import { aten } from './aten.js';
import { call, callMany, callVoid, type Tensor, where } from './tensor.js';

const CAT = aten('cat');
const STACK = aten('stack');
const FOREACH = {
  mulS: aten('_foreach_mul_', 'Scalar'), addList: aten('_foreach_add_', 'List'), zero: aten('_foreach_zero_'),
  addcmul: aten('_foreach_addcmul_', 'Scalar'), addcdiv: aten('_foreach_addcdiv_', 'Scalar'),
  sqrt: aten('_foreach_sqrt'), addS: aten('_foreach_add', 'Scalar'),
  divList: aten('_foreach_div', 'List'),
  // All in libtorch 1.13 and 2.x (2.x adds an optional dtype to _foreach_norm, defaulted).
  mulList: aten('_foreach_mul_', 'List'), addS_: aten('_foreach_add_', 'Scalar'), norm: aten('_foreach_norm', 'Scalar'),
};
const UNBIND = aten('unbind', 'int');

function handles(tensors: readonly Tensor[], what: string): unknown[] {
  if (tensors.length === 0) throw new RangeError(`${what}() needs at least one tensor`);
  return tensors.map((t) => t._h);
}

/** Joins tensors along an existing dimension. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return call(CAT, handles(tensors, 'cat'), dim);
}

/** Joins tensors of the same shape along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return call(STACK, handles(tensors, 'stack'), dim);
}

/** `torch.unbind(t, dim)`: the slices of `t` along `dim` (default 0), as views without that dimension. */
export function unbind(t: Tensor, dim = 0): Tensor[] {
  return callMany(UNBIND, t._h, dim);
}

/** `torch.where(condition, a, b)`: `condition ? a : b`, elementwise with broadcasting; `a` or `b` may be a number. */
export { where };

/** `torch.add(a, b, alpha)`: `a + alpha * b`. */
export const add = (a: Tensor, b: Tensor | number, alpha = 1) => a.add(b, alpha);
/** `torch.sub(a, b, alpha)`: `a - alpha * b` (alpha default 1). */
export const sub = (a: Tensor, b: Tensor | number, alpha = 1) => a.sub(b, alpha);
/** `torch.mul(a, b)`: elementwise product, broadcasting; `b` may be a number. */
export const mul = (a: Tensor, b: Tensor | number) => a.mul(b);
/** `torch.div(a, b)`: true division, broadcasting (integers give floats). */
export const div = (a: Tensor, b: Tensor | number) => a.div(b);
/** `torch.matmul(a, b)`: matrix product with NumPy's rules for 1-d and batched inputs. */
export const matmul = (a: Tensor, b: Tensor) => a.matmul(b);
/** `torch.mm(a, b)`: product of two 2-d matrices. */
export const mm = (a: Tensor, b: Tensor) => a.mm(b);
/** `torch.bmm(a, b)`: batched matrix product of (B, n, m) and (B, m, p). */
export const bmm = (a: Tensor, b: Tensor) => a.bmm(b);
/** `torch.exp(a)`: e to the power of each element. */
export const exp = (a: Tensor) => a.exp();
/** `torch.log(a)`: natural logarithm of each element. */
export const log = (a: Tensor) => a.log();
/** `torch.sqrt(a)`: square root of each element. */
export const sqrt = (a: Tensor) => a.sqrt();
/** `torch.abs(a)`: absolute value of each element. */
export const abs = (a: Tensor) => a.abs();
/** `torch.sigmoid(a)`: `1 / (1 + exp(-a))`, elementwise. */
export const sigmoid = (a: Tensor) => a.sigmoid();
/** `torch.tanh(a)`: hyperbolic tangent, elementwise. */
export const tanh = (a: Tensor) => a.tanh();
/** `torch.softmax(a, dim)`: softmax along `dim`. */
export const softmax = (a: Tensor, dim: number) => a.softmax(dim);
/** `torch.logSoftmax(a, dim)`: log-softmax along `dim`, in one stable step. */
export const logSoftmax = (a: Tensor, dim: number) => a.logSoftmax(dim);
/** `torch.clamp(a, min, max)`: limits values to [min, max]; either bound may be null (the default). */
export const clamp = (a: Tensor, min: number | null = null, max: number | null = null) => a.clamp(min, max);
/** `torch.maximum(a, b)`: elementwise maximum, broadcasting. */
export const maximum = (a: Tensor, b: Tensor) => a.maximum(b);
/** `torch.minimum(a, b)`: elementwise minimum, broadcasting. */
export const minimum = (a: Tensor, b: Tensor) => a.minimum(b);
/** `torch.lerp(a, end, weight)`: `a + weight * (end - a)`. */
export const lerp = (a: Tensor, end: Tensor, weight: Tensor | number) => a.lerp(end, weight);
/** `torch.flatten(a, startDim, endDim)`: merges dimensions startDim..endDim (default all) into one. */
export const flatten = (a: Tensor, startDim = 0, endDim = -1) => a.flatten(startDim, endDim);
/** `torch.argmax(a, dim, keepdim)`: index of the largest element (of the flattened tensor when `dim` is omitted). */
export const argmax = (a: Tensor, dim?: number, keepdim = false) => a.argmax(dim, keepdim);
/** `torch.isnan(a)`: a boolean tensor, true where `a` is NaN. */
export const isnan = (a: Tensor) => a.isnan();
/** `torch.isfinite(a)`: a boolean tensor, true where `a` is neither infinite nor NaN. */
export const isfinite = (a: Tensor) => a.isfinite();

/**
 * Multi-tensor in-place updates: one native call for a whole list of tensors (optimizers use
 * these to update every parameter with a few crossings instead of a few per parameter).
 */
export const foreach = {
  /** `t *= scalar` for every t, or `t *= other` pairwise (others may broadcast, e.g. 0-d tensors). */
  mul_(tensors: readonly Tensor[], by: number | readonly Tensor[]): void {
    if (!tensors.length) return;
    if (typeof by === 'number') call0(FOREACH.mulS, tensors, by);
    else call0(FOREACH.mulList, tensors, by.map((o) => o._h));
  },
  /** `t += alpha * other` pairwise, or `t += scalar` for every t. */
  add_(tensors: readonly Tensor[], others: readonly Tensor[] | number, alpha = 1): void {
    if (!tensors.length) return;
    if (typeof others === 'number') call0(FOREACH.addS_, tensors, others);
    else call0(FOREACH.addList, tensors, others.map((o) => o._h), alpha);
  },
  /** New 0-d tensors: the 2-norm of each t. */
  norm(tensors: readonly Tensor[]): Tensor[] {
    return tensors.length ? callMany(FOREACH.norm, tensors.map((t) => t._h), 2) : [];
  },
  /** `t = 0` for every t. */
  zero_(tensors: readonly Tensor[]): void {
    if (tensors.length) call0(FOREACH.zero, tensors);
  },
  /** `t += value * a * b` pairwise. */
  addcmul_(tensors: readonly Tensor[], a: readonly Tensor[], b: readonly Tensor[], value = 1): void {
    if (tensors.length) call0(FOREACH.addcmul, tensors, a.map((x) => x._h), b.map((x) => x._h), value);
  },
  /** `t += value * a / b` pairwise. */
  addcdiv_(tensors: readonly Tensor[], a: readonly Tensor[], b: readonly Tensor[], value = 1): void {
    if (tensors.length) call0(FOREACH.addcdiv, tensors, a.map((x) => x._h), b.map((x) => x._h), value);
  },
  /** New tensors `sqrt(t)`. */
  sqrt(tensors: readonly Tensor[]): Tensor[] {
    return tensors.length ? callMany(FOREACH.sqrt, tensors.map((t) => t._h)) : [];
  },
  /** New tensors `t + scalar`. */
  add(tensors: readonly Tensor[], scalar: number): Tensor[] {
    return tensors.length ? callMany(FOREACH.addS, tensors.map((t) => t._h), scalar) : [];
  },
  /** New tensors `a / b` pairwise. */
  div(a: readonly Tensor[], b: readonly Tensor[]): Tensor[] {
    return a.length ? callMany(FOREACH.divList, a.map((t) => t._h), b.map((t) => t._h)) : [];
  },
};

function call0(op: ReturnType<typeof aten>, tensors: readonly Tensor[], ...rest: unknown[]): void {
  callVoid(op, tensors.map((t) => t._h), ...rest);
}
