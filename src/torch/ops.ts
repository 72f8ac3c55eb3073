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
};

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

export { where };

/** `torch.add(a, b, alpha)`: `a + alpha * b`. */
export const add = (a: Tensor, b: Tensor | number, alpha = 1) => a.add(b, alpha);
export const sub = (a: Tensor, b: Tensor | number, alpha = 1) => a.sub(b, alpha);
export const mul = (a: Tensor, b: Tensor | number) => a.mul(b);
export const div = (a: Tensor, b: Tensor | number) => a.div(b);
export const matmul = (a: Tensor, b: Tensor) => a.matmul(b);
export const mm = (a: Tensor, b: Tensor) => a.mm(b);
export const bmm = (a: Tensor, b: Tensor) => a.bmm(b);
export const exp = (a: Tensor) => a.exp();
export const log = (a: Tensor) => a.log();
export const sqrt = (a: Tensor) => a.sqrt();
export const abs = (a: Tensor) => a.abs();
export const sigmoid = (a: Tensor) => a.sigmoid();
export const tanh = (a: Tensor) => a.tanh();
export const softmax = (a: Tensor, dim: number) => a.softmax(dim);
export const logSoftmax = (a: Tensor, dim: number) => a.logSoftmax(dim);
export const clamp = (a: Tensor, min: number | null = null, max: number | null = null) => a.clamp(min, max);
export const maximum = (a: Tensor, b: Tensor) => a.maximum(b);
export const minimum = (a: Tensor, b: Tensor) => a.minimum(b);
export const lerp = (a: Tensor, end: Tensor, weight: Tensor | number) => a.lerp(end, weight);
export const flatten = (a: Tensor, startDim = 0, endDim = -1) => a.flatten(startDim, endDim);
export const argmax = (a: Tensor, dim?: number, keepdim = false) => a.argmax(dim, keepdim);
export const isnan = (a: Tensor) => a.isnan();
export const isfinite = (a: Tensor) => a.isfinite();

/**
 * Multi-tensor in-place updates: one native call for a whole list of tensors (optimizers use
 * these to update every parameter with a few crossings instead of a few per parameter).
 */
export const foreach = {
  /** `t *= scalar` for every t. */
  mul_(tensors: readonly Tensor[], scalar: number): void {
    if (tensors.length) call0(FOREACH.mulS, tensors, scalar);
  },
  /** `t += alpha * other` pairwise. */
  add_(tensors: readonly Tensor[], others: readonly Tensor[], alpha = 1): void {
    if (tensors.length) call0(FOREACH.addList, tensors, others.map((o) => o._h), alpha);
  },
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
