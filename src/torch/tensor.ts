/**
 * The Tensor class: a handle to a libtorch tensor with PyTorch's methods in camelCase.
 * Every method that computes calls one ATen operator through the dispatcher (see aten.ts),
 * so autograd, autocast and broadcasting behave exactly as in PyTorch.
 * @module
 */
import { aten, type Op } from './aten.js';
import { type AnyTypedArray, type DType, dtypeCode, dtypeFromCode, isFloatingPoint, typedArrayOf } from './dtype.js';
import { formatTensor } from './format.js';
import { type Handle, native } from './native.js';
import { type Disposable, keep, track } from './scope.js';

/** A device name: `'cpu'`, `'cuda'` or `'cuda:N'`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
/** A shape given either as separate numbers or as one array, as PyTorch accepts both. */
export type ShapeArgs = number[] | [readonly number[]];
/** Values and their indices, as returned by max/min over a dimension, topk and sort. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** PyTorch's MemoryFormat codes. */
export const MEMORY_FORMAT = { contiguous: 0, preserve: 1, channelsLast: 2 } as const;
/** A memory layout: `'contiguous'` (row-major, NCHW), `'preserve'` (keep the input's) or `'channelsLast'` (NHWC). */
export type MemoryFormat = keyof typeof MEMORY_FORMAT;

/** @internal Calls an operator and wraps its tensor result. */
export function call(op: Op, ...args: unknown[]): Tensor {
  return new Tensor(native.opCall(op.handle, ...args) as Handle);
}

/** @internal Calls an operator that returns several tensors (a tuple or a Tensor[]). */
export function callMany(op: Op, ...args: unknown[]): Tensor[] {
  return (native.opCall(op.handle, ...args) as Handle[]).map((h) => new Tensor(h));
}

/** @internal Calls an operator for its side effect (in-place ops). */
export function callVoid(op: Op, ...args: unknown[]): void {
  native.opCallVoid(op.handle, ...args);
}

function shapeOf(args: ShapeArgs): readonly number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

/** The handle of a tensor argument, or the number itself. */
function arg(x: Tensor | number): Handle | number {
  return typeof x === 'number' ? x : x._h;
}

// Operators used by the methods below, grouped as the methods are.
const A = {
  to: aten('to', 'dtype'), toDevice: aten('to', 'device'), clone: aten('clone'), detach: aten('detach'),
  contiguous: aten('contiguous'), item: aten('item'),
  view: aten('view'), reshape: aten('reshape'), permute: aten('permute'), transpose: aten('transpose', 'int'),
  squeeze: aten('squeeze'), squeezeDim: aten('squeeze', 'dim'), unsqueeze: aten('unsqueeze'),
  flatten: aten('flatten', 'using_ints'), expand: aten('expand'), expandAs: aten('expand_as'),
  select: aten('select', 'int'), slice: aten('slice', 'Tensor'), narrow: aten('narrow'),
  indexSelect: aten('index_select'), gather: aten('gather'), index: aten('index', 'Tensor'),
  maskedSelect: aten('masked_select'), maskedFill: aten('masked_fill', 'Scalar'), maskedFillT: aten('masked_fill', 'Tensor'),
  flip: aten('flip'), split: aten('split', 'Tensor'), splitSizes: aten('split_with_sizes'), chunk: aten('chunk'),
  repeat: aten('repeat'), t: aten('t'), scatter: aten('scatter', 'value'), scatterT: aten('scatter', 'src'),
  add: aten('add', 'Tensor'), addS: aten('add', 'Scalar'), sub: aten('sub', 'Tensor'), subS: aten('sub', 'Scalar'),
  mul: aten('mul', 'Tensor'), mulS: aten('mul', 'Scalar'), div: aten('div', 'Tensor'), divS: aten('div', 'Scalar'),
  rsub: aten('rsub', 'Scalar'),
  neg: aten('neg'), pow: aten('pow', 'Tensor_Scalar'), powT: aten('pow', 'Tensor_Tensor'), sqrt: aten('sqrt'),
  rsqrt: aten('rsqrt'), exp: aten('exp'), log: aten('log'), log1p: aten('log1p'), abs: aten('abs'),
  square: aten('square'), reciprocal: aten('reciprocal'), sign: aten('sign'), floor: aten('floor'), ceil: aten('ceil'),
  round: aten('round'), sin: aten('sin'), cos: aten('cos'), sigmoid: aten('sigmoid'), tanh: aten('tanh'),
  relu: aten('relu'), clamp: aten('clamp'), maximum: aten('maximum'), minimum: aten('minimum'),
  sum: aten('sum'), sumDim: aten('sum', 'dim_IntList'), mean: aten('mean'), meanDim: aten('mean', 'dim'),
  std: aten('std', 'dim'), var: aten('var', 'dim'), prod: aten('prod'),
  max: aten('max'), maxDim: aten('max', 'dim'), min: aten('min'), minDim: aten('min', 'dim'),
  argmax: aten('argmax'), argmin: aten('argmin'), topk: aten('topk'), sort: aten('sort'), argsort: aten('argsort'),
  any: aten('any'), anyDim: aten('any', 'dim'), all: aten('all'), allDim: aten('all', 'dim'),
  cumsum: aten('cumsum'), logsumexp: aten('logsumexp'),
  matmul: aten('matmul'), mm: aten('mm'), bmm: aten('bmm'),
  eq: aten('eq', 'Tensor'), eqS: aten('eq', 'Scalar'), ne: aten('ne', 'Tensor'), neS: aten('ne', 'Scalar'),
  lt: aten('lt', 'Tensor'), ltS: aten('lt', 'Scalar'), le: aten('le', 'Tensor'), leS: aten('le', 'Scalar'),
  gt: aten('gt', 'Tensor'), gtS: aten('gt', 'Scalar'), ge: aten('ge', 'Tensor'), geS: aten('ge', 'Scalar'),
  logicalNot: aten('logical_not'), logicalAnd: aten('logical_and'), logicalOr: aten('logical_or'),
  where: aten('where', 'self'), whereSO: aten('where', 'ScalarOther'), whereSS: aten('where', 'ScalarSelf'),
  whereS: aten('where', 'Scalar'),
  lerp: aten('lerp', 'Scalar'), lerpT: aten('lerp', 'Tensor'), softmax: aten('softmax', 'int'),
  logSoftmax: aten('log_softmax', 'int'), isnan: aten('isnan'), isfinite: aten('isfinite'),
  add_: aten('add_', 'Tensor'), addS_: aten('add_', 'Scalar'), sub_: aten('sub_', 'Tensor'), subS_: aten('sub_', 'Scalar'),
  mul_: aten('mul_', 'Tensor'), mulS_: aten('mul_', 'Scalar'), div_: aten('div_', 'Tensor'), divS_: aten('div_', 'Scalar'),
  addcmul_: aten('addcmul_'), addcdiv_: aten('addcdiv_'), lerp_: aten('lerp_', 'Scalar'), lerpT_: aten('lerp_', 'Tensor'),
  copy_: aten('copy_'), zero_: aten('zero_'), fill_: aten('fill_', 'Scalar'), clamp_: aten('clamp_'),
  uniform_: aten('uniform_'), normal_: aten('normal_'), relu_: aten('relu_'), sqrt_: aten('sqrt_'),
  neg_: aten('neg_'), maskedFill_: aten('masked_fill_', 'Scalar'), indexPut_: aten('index_put_'),
};

/**
 * A multi-dimensional array on a device, with autograd. Create with `torch.tensor`, `torch.zeros`
 * and friends. Free with {@link Tensor.dispose} or inside `torch.tidy`.
 */
export class Tensor implements Disposable {
  /** @internal */
  readonly _h: Handle;
  /** @internal */
  _kept = false;

  /** @internal Wraps a native handle; use torch.tensor() and friends instead. */
  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ---- metadata ----

  /** The size of each dimension. */
  get shape(): number[] {
    return native.shape(this._h);
  }

  /** The element type. */
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this._h));
  }

  /** The device, e.g. `'cpu'` or `'cuda:0'`. */
  get device(): string {
    return native.device(this._h);
  }

  /** The number of dimensions. */
  get ndim(): number {
    return native.dim(this._h);
  }

  /** The number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return native.dim(this._h);
  }

  /** The number of elements. */
  numel(): number {
    return native.numel(this._h);
  }

  /** The size of dimension `d` (negative counts from the end), or the whole shape. */
  size(): number[];
  size(d: number): number;
  size(d?: number): number | number[] {
    const s = this.shape;
    if (d === undefined) return s;
    const i = d < 0 ? d + s.length : d;
    if (i < 0 || i >= s.length) throw new RangeError(`size(${d}): dimension out of range for a ${s.length}-d tensor`);
    return s[i]!;
  }

  /** Element strides of each dimension. */
  strides(): number[] {
    return native.strides(this._h);
  }

  /** Whether the elements are laid out row-major with no gaps (views from transpose, expand or narrow may not be). */
  isContiguous(): boolean {
    return native.isContiguous(this._h);
  }

  /** Whether a 4-d tensor is laid out NHWC (channels last). */
  isChannelsLast(): boolean {
    return native.isChannelsLast(this._h);
  }

  /** Whether the dtype is a floating-point type. */
  isFloatingPoint(): boolean {
    return isFloatingPoint(this.dtype);
  }

  /** The address of the first element (tensors that share memory share it). */
  dataPtr(): bigint {
    return native.dataPtr(this._h);
  }

  // ---- memory ----

  /** Frees the native memory now. Using the tensor afterwards throws. Idempotent. */
  dispose(): void {
    native.dispose(this._h);
  }

  /** Whether dispose() (or the tidy() scope that created it) has freed this tensor. */
  get isDisposed(): boolean {
    return native.isDisposed(this._h);
  }

  /** Exempts this tensor from tidy() scopes (see torch.keep). Returns this. */
  keep(): this {
    return keep(this);
  }

  // ---- autograd ----

  /** Whether operations on this tensor are recorded for autograd. */
  get requiresGrad(): boolean {
    return native.requiresGrad(this._h);
  }

  set requiresGrad(on: boolean) {
    native.setRequiresGrad(this._h, on);
  }

  /** Sets requiresGrad in place and returns this. */
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this._h, on);
    return this;
  }

  /** The accumulated gradient (a new handle to it each time), or null. Assign null to free it. */
  get grad(): Tensor | null {
    const g = native.grad(this._h);
    return g === null ? null : new Tensor(g);
  }

  set grad(g: Tensor | null) {
    native.setGrad(this._h, g === null ? null : g._h);
  }

  /** Whether this tensor was created by the user rather than computed by a recorded op. */
  get isLeaf(): boolean {
    return native.isLeaf(this._h);
  }

  /** The name of the autograd function that created this tensor (e.g. `'AddBackward0'`), or null. */
  get gradFn(): string | null {
    return native.gradFn(this._h);
  }

  /**
   * Computes the gradient of this tensor with respect to the leaves that require grad,
   * accumulating into their `.grad`. A non-scalar tensor needs `gradient`.
   * @param options.retainGraph keep the graph for another backward (default false)
   */
  backward(gradient?: Tensor | null, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this._h, gradient ? gradient._h : null, options.retainGraph ?? false, options.createGraph ?? false);
  }

  /** A tensor sharing this one's data, cut from the autograd graph. */
  detach(): Tensor {
    return call(A.detach, this._h);
  }

  // ---- conversion and reading back ----

  /** Converts to another dtype (returns this same data, as a new handle, when already that dtype). */
  to(dtype: DType): Tensor {
    return call(A.to, this._h, dtypeCode(dtype));
  }

  /** Moves to a device (`'cpu'`, `'cuda'`, `'cuda:1'`), optionally converting the dtype too. */
  toDevice(device: Device | string, dtype: DType = this.dtype, nonBlocking = false): Tensor {
    return call(A.toDevice, this._h, device, dtypeCode(dtype), nonBlocking);
  }

  /** This tensor on the CPU (itself, as a new handle, when already there). */
  cpu(): Tensor {
    return this.toDevice('cpu');
  }

  /** This tensor on CUDA device `index` (default 0). */
  cuda(index = 0): Tensor {
    return this.toDevice(`cuda:${index}`);
  }

  /** Converted to float32. */
  float(): Tensor {
    return this.to('float32');
  }

  /** Converted to float64. */
  double(): Tensor {
    return this.to('float64');
  }

  /** Converted to float16. */
  half(): Tensor {
    return this.to('float16');
  }

  /** Converted to bfloat16. */
  bfloat16(): Tensor {
    return this.to('bfloat16');
  }

  /** Converted to int64 (floats truncate toward zero). */
  long(): Tensor {
    return this.to('int64');
  }

  /** Converted to int32 (floats truncate toward zero). */
  int(): Tensor {
    return this.to('int32');
  }

  /** Converted to uint8. */
  byte(): Tensor {
    return this.to('uint8');
  }

  /** Converted to bool (non-zero is true). */
  bool(): Tensor {
    return this.to('bool');
  }

  /** A copy with its own memory (recorded by autograd). */
  clone(memoryFormat?: MemoryFormat): Tensor {
    return call(A.clone, this._h, memoryFormat === undefined ? null : MEMORY_FORMAT[memoryFormat]);
  }

  /** This tensor laid out contiguously (`'channelsLast'` for NHWC); itself, as a new handle, when already so. */
  contiguous(memoryFormat: MemoryFormat = 'contiguous'): Tensor {
    return call(A.contiguous, this._h, MEMORY_FORMAT[memoryFormat]);
  }

  /** The value of a one-element tensor as a number (booleans as 1/0). */
  item(): number {
    const n = this.numel();
    if (n !== 1) throw new RangeError(`item(): the tensor has ${n} elements (shape [${this.shape}]); only one-element tensors convert to a number`);
    const v = native.opCall(A.item.handle, this._h) as number | boolean;
    return typeof v === 'boolean' ? Number(v) : v;
  }

  /** A copy of the elements, row-major, as the typed array matching the dtype (int64 as BigInt64Array, 16-bit floats as raw bits). */
  toTypedArray(): AnyTypedArray {
    return typedArrayOf(this.dtype, native.toData(this._h));
  }

  /**
   * A typed array over this tensor's own memory: no copy, and writes change the tensor.
   * The tensor must be contiguous and on the CPU; the view keeps the memory alive after dispose().
   */
  dataView(): AnyTypedArray {
    return typedArrayOf(this.dtype, native.dataView(this._h));
  }

  /** The elements as nested arrays of numbers (PyTorch's `tolist()`); booleans as booleans. */
  toArray(): NestedArray {
    const flat = this.toTypedArray();
    const dtype = this.dtype;
    const values: (number | boolean)[] = new Array(flat.length);
    if (dtype === 'int64') {
      for (let i = 0; i < flat.length; i++) values[i] = Number((flat as BigInt64Array)[i]);
    } else if (dtype === 'float16' || dtype === 'bfloat16') {
      const f = (this.to('float32').toTypedArray() as Float32Array);
      for (let i = 0; i < f.length; i++) values[i] = f[i]!;
    } else if (dtype === 'bool') {
      for (let i = 0; i < flat.length; i++) values[i] = flat[i] !== 0;
    } else {
      for (let i = 0; i < flat.length; i++) values[i] = (flat as Float32Array)[i]!;
    }
    return nest(values, this.shape, 0, 0).value;
  }

  /** PyTorch-style printing: `tensor([[0.6734, 0.2576], ...])`. */
  toString(): string {
    if (this.isDisposed) return 'tensor(<disposed>)';
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- shape ----

  /** The same data seen with another shape (no copy; one dimension may be -1). Fails when the strides do not allow it; see {@link Tensor.reshape}. */
  view(...shape: ShapeArgs): Tensor {
    return call(A.view, this._h, shapeOf(shape));
  }

  /** The data with another shape: a view when the strides allow it, else a copy (one dimension may be -1). */
  reshape(...shape: ShapeArgs): Tensor {
    return call(A.reshape, this._h, shapeOf(shape));
  }

  /** A view with the dimensions reordered, e.g. `permute(0, 2, 3, 1)` for NCHW to NHWC. */
  permute(...dims: ShapeArgs): Tensor {
    return call(A.permute, this._h, shapeOf(dims));
  }

  /** A view with dimensions `dim0` and `dim1` swapped. */
  transpose(dim0: number, dim1: number): Tensor {
    return call(A.transpose, this._h, dim0, dim1);
  }

  /** Transpose of a 2-d tensor. */
  t(): Tensor {
    return call(A.t, this._h);
  }

  /** A view without size-1 dimensions (only `dim`, when given and of size 1). */
  squeeze(dim?: number): Tensor {
    return dim === undefined ? call(A.squeeze, this._h) : call(A.squeezeDim, this._h, dim);
  }

  /** A view with a new size-1 dimension at `dim`. */
  unsqueeze(dim: number): Tensor {
    return call(A.unsqueeze, this._h, dim);
  }

  /** Dimensions `startDim..endDim` (default all) merged into one; a view when possible. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return call(A.flatten, this._h, startDim, endDim);
  }

  /** Broadcasts size-1 dimensions to `shape` without copying (-1 keeps a dimension). */
  expand(...shape: ShapeArgs): Tensor {
    return call(A.expand, this._h, shapeOf(shape), false);
  }

  /** A broadcast view of this tensor with `other`'s shape (no copy). */
  expandAs(other: Tensor): Tensor {
    return call(A.expandAs, this._h, other._h);
  }

  /** A copy tiled `times[i]` times along each dimension (PyTorch's `repeat`, not NumPy's). */
  repeat(...times: ShapeArgs): Tensor {
    return call(A.repeat, this._h, shapeOf(times));
  }

  /** The slice at `index` along `dim`, with that dimension removed. */
  select(dim: number, index: number): Tensor {
    return call(A.select, this._h, dim, index);
  }

  /** Python's `t[start:end:step]` along `dim` (a view). Omitted bounds mean the whole range. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return call(A.slice, this._h, dim, start ?? null, end ?? null, step);
  }

  /** `length` elements along `dim` from `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return call(A.narrow, this._h, dim, start, length);
  }

  /** The entries at the int64 `index` positions along `dim` (a copy). */
  indexSelect(dim: number, index: Tensor): Tensor {
    return call(A.indexSelect, this._h, dim, index._h);
  }

  /** `out[i][j] = this[i][index[i][j]]` along `dim` (for `dim` 1; likewise for others). */
  gather(dim: number, index: Tensor): Tensor {
    return call(A.gather, this._h, dim, index._h, false);
  }

  /** Writes `value` (a number or a tensor) at `index` along `dim`, out of place. */
  scatter(dim: number, index: Tensor, value: Tensor | number): Tensor {
    return typeof value === 'number'
      ? call(A.scatter, this._h, dim, index._h, value)
      : call(A.scatterT, this._h, dim, index._h, value._h);
  }

  /**
   * Advanced indexing, Python's `t[i0, i1, ...]` with index tensors (int64 or bool masks);
   * null keeps a dimension whole (Python's `:`).
   */
  index(...indices: (Tensor | null)[]): Tensor {
    return call(A.index, this._h, indices.map((i) => (i === null ? null : i._h)));
  }

  /** The elements where the boolean `mask` is true, as a 1-d tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return call(A.maskedSelect, this._h, mask._h);
  }

  /** A copy with `value` (a number or a one-element tensor) where the boolean `mask` is true. */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return typeof value === 'number' ? call(A.maskedFill, this._h, mask._h, value) : call(A.maskedFillT, this._h, mask._h, value._h);
  }

  /** A copy with the order of elements reversed along `dims`. */
  flip(...dims: ShapeArgs): Tensor {
    return call(A.flip, this._h, shapeOf(dims));
  }

  /** Splits into pieces of `size` (a number) or of the given sizes (an array) along `dim`. */
  split(size: number | number[], dim = 0): Tensor[] {
    return typeof size === 'number' ? callMany(A.split, this._h, size, dim) : callMany(A.splitSizes, this._h, size, dim);
  }

  /** Splits into `chunks` nearly equal views along `dim` (default 0); the last may be smaller. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return callMany(A.chunk, this._h, chunks, dim);
  }

  // ---- arithmetic (broadcasting; a number is a scalar) ----

  /** `this + alpha * other`. */
  add(other: Tensor | number, alpha = 1): Tensor {
    return typeof other === 'number' ? call(A.addS, this._h, other, alpha) : call(A.add, this._h, other._h, alpha);
  }

  /** `this - alpha * other`. */
  sub(other: Tensor | number, alpha = 1): Tensor {
    return typeof other === 'number' ? call(A.subS, this._h, other, alpha) : call(A.sub, this._h, other._h, alpha);
  }

  /** `other - this` for a number (Python's `2 - t`). */
  rsub(other: number): Tensor {
    return call(A.rsub, this._h, other, 1);
  }

  /** Elementwise product, broadcasting; `other` may be a number. */
  mul(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.mulS, this._h, other) : call(A.mul, this._h, other._h);
  }

  /** True division (integers give floats). */
  div(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.divS, this._h, other) : call(A.div, this._h, other._h);
  }

  /** `-this`. */
  neg(): Tensor {
    return call(A.neg, this._h);
  }

  /** `this ** exponent`, elementwise; the exponent may be a number or a tensor. */
  pow(exponent: Tensor | number): Tensor {
    return typeof exponent === 'number' ? call(A.pow, this._h, exponent) : call(A.powT, this._h, exponent._h);
  }

  /** Square root, elementwise. */
  sqrt(): Tensor {
    return call(A.sqrt, this._h);
  }

  /** `1 / sqrt(this)`, elementwise. */
  rsqrt(): Tensor {
    return call(A.rsqrt, this._h);
  }

  /** `e ** this`, elementwise. */
  exp(): Tensor {
    return call(A.exp, this._h);
  }

  /** Natural logarithm, elementwise. */
  log(): Tensor {
    return call(A.log, this._h);
  }

  /** `log(1 + this)`, elementwise, accurate for small values. */
  log1p(): Tensor {
    return call(A.log1p, this._h);
  }

  /** Absolute value, elementwise. */
  abs(): Tensor {
    return call(A.abs, this._h);
  }

  /** `this * this`, elementwise. */
  square(): Tensor {
    return call(A.square, this._h);
  }

  /** `1 / this`, elementwise. */
  reciprocal(): Tensor {
    return call(A.reciprocal, this._h);
  }

  /** -1, 0 or 1 by the sign of each element. */
  sign(): Tensor {
    return call(A.sign, this._h);
  }

  /** Rounds each element down. */
  floor(): Tensor {
    return call(A.floor, this._h);
  }

  /** Rounds each element up. */
  ceil(): Tensor {
    return call(A.ceil, this._h);
  }

  /** Rounds each element to the nearest integer, halves to even (as PyTorch). */
  round(): Tensor {
    return call(A.round, this._h);
  }

  /** Sine, elementwise (radians). */
  sin(): Tensor {
    return call(A.sin, this._h);
  }

  /** Cosine, elementwise (radians). */
  cos(): Tensor {
    return call(A.cos, this._h);
  }

  /** `1 / (1 + exp(-this))`, elementwise. */
  sigmoid(): Tensor {
    return call(A.sigmoid, this._h);
  }

  /** Hyperbolic tangent, elementwise. */
  tanh(): Tensor {
    return call(A.tanh, this._h);
  }

  /** `max(this, 0)`, elementwise. */
  relu(): Tensor {
    return call(A.relu, this._h);
  }

  /** Limits values to [min, max]; either bound may be null. */
  clamp(min: number | null = null, max: number | null = null): Tensor {
    return call(A.clamp, this._h, min, max);
  }

  /** Elementwise maximum with another tensor. */
  maximum(other: Tensor): Tensor {
    return call(A.maximum, this._h, other._h);
  }

  /** Elementwise minimum with another tensor. */
  minimum(other: Tensor): Tensor {
    return call(A.minimum, this._h, other._h);
  }

  /** `this + weight * (end - this)`. */
  lerp(end: Tensor, weight: Tensor | number): Tensor {
    return typeof weight === 'number' ? call(A.lerp, this._h, end._h, weight) : call(A.lerpT, this._h, end._h, weight._h);
  }

  /** Matrix product with NumPy's rules for 1-d and batched (broadcast) inputs. */
  matmul(other: Tensor): Tensor {
    return call(A.matmul, this._h, other._h);
  }

  /** Product of two 2-d matrices. */
  mm(other: Tensor): Tensor {
    return call(A.mm, this._h, other._h);
  }

  /** Batched matrix product of (B, n, m) and (B, m, p). */
  bmm(other: Tensor): Tensor {
    return call(A.bmm, this._h, other._h);
  }

  /** Softmax along `dim`. */
  softmax(dim: number): Tensor {
    return call(A.softmax, this._h, dim, null);
  }

  /** Log-softmax along `dim`, in one numerically stable step. */
  logSoftmax(dim: number): Tensor {
    return call(A.logSoftmax, this._h, dim, null);
  }

  // ---- reductions ----

  /** Sum of all elements, or over `dim` (a number or several). */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? call(A.sum, this._h, null) : call(A.sumDim, this._h, typeof dim === 'number' ? [dim] : dim, keepdim, null);
  }

  /** Mean of all elements, or over `dim` (a number or several), optionally keeping it as size 1. */
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? call(A.mean, this._h, null) : call(A.meanDim, this._h, typeof dim === 'number' ? [dim] : dim, keepdim, null);
  }

  /** Standard deviation (unbiased by default, as PyTorch) of all elements or over `dim`. */
  std(dim?: number | number[] | null, unbiased = true, keepdim = false): Tensor {
    return call(A.std, this._h, dim === undefined || dim === null ? null : typeof dim === 'number' ? [dim] : dim, unbiased, keepdim);
  }

  /** Variance (unbiased by default) of all elements or over `dim`. */
  var(dim?: number | number[] | null, unbiased = true, keepdim = false): Tensor {
    return call(A.var, this._h, dim === undefined || dim === null ? null : typeof dim === 'number' ? [dim] : dim, unbiased, keepdim);
  }

  /** Product of all elements. */
  prod(): Tensor {
    return call(A.prod, this._h, null);
  }

  /** The largest element; over `dim`, the values and their indices. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return call(A.max, this._h);
    const [values, indices] = callMany(A.maxDim, this._h, dim, keepdim) as [Tensor, Tensor];
    return { values, indices };
  }

  /** The smallest element; over `dim`, the values and their indices. */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return call(A.min, this._h);
    const [values, indices] = callMany(A.minDim, this._h, dim, keepdim) as [Tensor, Tensor];
    return { values, indices };
  }

  /** Index of the largest element (of the flattened tensor when `dim` is omitted). */
  argmax(dim?: number, keepdim = false): Tensor {
    return call(A.argmax, this._h, dim ?? null, keepdim);
  }

  /** Index of the smallest element (of the flattened tensor when `dim` is omitted). */
  argmin(dim?: number, keepdim = false): Tensor {
    return call(A.argmin, this._h, dim ?? null, keepdim);
  }

  /** The `k` largest (or smallest) elements along `dim` and their indices. */
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    const [values, indices] = callMany(A.topk, this._h, k, dim, largest, sorted) as [Tensor, Tensor];
    return { values, indices };
  }

  /** The elements sorted along `dim` (default the last), ascending unless `descending`, with their original indices. */
  sort(dim = -1, descending = false): ValuesIndices {
    const [values, indices] = callMany(A.sort, this._h, dim, descending) as [Tensor, Tensor];
    return { values, indices };
  }

  /** The indices that sort the elements along `dim` (default the last). */
  argsort(dim = -1, descending = false): Tensor {
    return call(A.argsort, this._h, dim, descending);
  }

  /** Whether any element is true (non-zero), overall or along `dim`. */
  any(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? call(A.any, this._h) : call(A.anyDim, this._h, dim, keepdim);
  }

  /** Whether every element is true (non-zero), overall or along `dim`. */
  all(dim?: number, keepdim = false): Tensor {
    return dim === undefined ? call(A.all, this._h) : call(A.allDim, this._h, dim, keepdim);
  }

  /** Running sum along `dim`. */
  cumsum(dim: number): Tensor {
    return call(A.cumsum, this._h, dim, null);
  }

  /** `log(sum(exp(this)))` over `dim`, computed stably. */
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return call(A.logsumexp, this._h, typeof dim === 'number' ? [dim] : dim, keepdim);
  }

  // ---- comparisons (boolean results) ----

  /** `this == other`, elementwise (a bool tensor); `other` may be a number. */
  eq(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.eqS, this._h, other) : call(A.eq, this._h, other._h);
  }

  /** `this != other`, elementwise (a bool tensor). */
  ne(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.neS, this._h, other) : call(A.ne, this._h, other._h);
  }

  /** `this < other`, elementwise (a bool tensor). */
  lt(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.ltS, this._h, other) : call(A.lt, this._h, other._h);
  }

  /** `this <= other`, elementwise (a bool tensor). */
  le(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.leS, this._h, other) : call(A.le, this._h, other._h);
  }

  /** `this > other`, elementwise (a bool tensor). */
  gt(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.gtS, this._h, other) : call(A.gt, this._h, other._h);
  }

  /** `this >= other`, elementwise (a bool tensor). */
  ge(other: Tensor | number): Tensor {
    return typeof other === 'number' ? call(A.geS, this._h, other) : call(A.ge, this._h, other._h);
  }

  /** Elementwise NOT (non-zero is true), as a bool tensor. */
  logicalNot(): Tensor {
    return call(A.logicalNot, this._h);
  }

  /** Elementwise AND (non-zero is true), as a bool tensor. */
  logicalAnd(other: Tensor): Tensor {
    return call(A.logicalAnd, this._h, other._h);
  }

  /** Elementwise OR (non-zero is true), as a bool tensor. */
  logicalOr(other: Tensor): Tensor {
    return call(A.logicalOr, this._h, other._h);
  }

  /** True where the element is NaN. */
  isnan(): Tensor {
    return call(A.isnan, this._h);
  }

  /** True where the element is neither infinite nor NaN. */
  isfinite(): Tensor {
    return call(A.isfinite, this._h);
  }

  /** `condition ? this : other`, elementwise (PyTorch's `torch.where(condition, this, other)`). */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return where(condition, this, other);
  }

  // ---- in place (these return this) ----

  /** In place: `this += alpha * other` (alpha default 1). Returns this. */
  add_(other: Tensor | number, alpha = 1): this {
    if (typeof other === 'number') callVoid(A.addS_, this._h, other, alpha);
    else callVoid(A.add_, this._h, other._h, alpha);
    return this;
  }

  /** In place: `this -= alpha * other` (alpha default 1). Returns this. */
  sub_(other: Tensor | number, alpha = 1): this {
    if (typeof other === 'number') callVoid(A.subS_, this._h, other, alpha);
    else callVoid(A.sub_, this._h, other._h, alpha);
    return this;
  }

  /** In place: `this *= other`. Returns this. */
  mul_(other: Tensor | number): this {
    if (typeof other === 'number') callVoid(A.mulS_, this._h, other);
    else callVoid(A.mul_, this._h, other._h);
    return this;
  }

  /** In place: `this /= other`. Returns this. */
  div_(other: Tensor | number): this {
    if (typeof other === 'number') callVoid(A.divS_, this._h, other);
    else callVoid(A.div_, this._h, other._h);
    return this;
  }

  /** `this += value * t1 * t2`. */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    callVoid(A.addcmul_, this._h, t1._h, t2._h, value);
    return this;
  }

  /** `this += value * t1 / t2`. */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    callVoid(A.addcdiv_, this._h, t1._h, t2._h, value);
    return this;
  }

  /** `this += weight * (end - this)`. */
  lerp_(end: Tensor, weight: Tensor | number): this {
    if (typeof weight === 'number') callVoid(A.lerp_, this._h, end._h, weight);
    else callVoid(A.lerpT_, this._h, end._h, weight._h);
    return this;
  }

  /** Copies `src` (broadcast, converted) into this tensor's memory. */
  copy_(src: Tensor): this {
    callVoid(A.copy_, this._h, src._h, false);
    return this;
  }

  /** In place: sets every element to 0. Returns this. */
  zero_(): this {
    callVoid(A.zero_, this._h);
    return this;
  }

  /** In place: sets every element to `value`. Returns this. */
  fill_(value: number): this {
    callVoid(A.fill_, this._h, value);
    return this;
  }

  /** In place: limits values to [min, max] (either may be null). Returns this. */
  clamp_(min: number | null = null, max: number | null = null): this {
    callVoid(A.clamp_, this._h, min, max);
    return this;
  }

  /** Fills with values uniform in [from, to) from the global generator. */
  uniform_(from = 0, to = 1): this {
    callVoid(A.uniform_, this._h, from, to, null);
    return this;
  }

  /** Fills with normal values from the global generator. */
  normal_(mean = 0, std = 1): this {
    callVoid(A.normal_, this._h, mean, std, null);
    return this;
  }

  /** In place: `max(this, 0)`. Returns this. */
  relu_(): this {
    callVoid(A.relu_, this._h);
    return this;
  }

  /** In place: square root. Returns this. */
  sqrt_(): this {
    callVoid(A.sqrt_, this._h);
    return this;
  }

  /** In place: `-this`. Returns this. */
  neg_(): this {
    callVoid(A.neg_, this._h);
    return this;
  }

  /** In place: writes `value` where the boolean `mask` is true. Returns this. */
  maskedFill_(mask: Tensor, value: number): this {
    callVoid(A.maskedFill_, this._h, mask._h, value);
    return this;
  }

  /** Python's `t[indices] = values` (accumulate adds instead). */
  indexPut_(indices: (Tensor | null)[], values: Tensor, accumulate = false): this {
    callVoid(A.indexPut_, this._h, indices.map((i) => (i === null ? null : i._h)), values._h, accumulate);
    return this;
  }
}

/** Nested arrays of numbers (or booleans), as `toArray()` returns. */
export type NestedArray = number | boolean | NestedArray[];

function nest(values: (number | boolean)[], shape: number[], dim: number, offset: number): { value: NestedArray; next: number } {
  if (dim === shape.length) return { value: values[offset]!, next: offset + 1 };
  const out: NestedArray[] = [];
  let at = offset;
  for (let i = 0; i < shape[dim]!; i++) {
    const r = nest(values, shape, dim + 1, at);
    out.push(r.value);
    at = r.next;
  }
  return { value: out, next: at };
}

/** `condition ? a : b`, elementwise with broadcasting; either branch may be a number. */
export function where(condition: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return call(A.whereS, condition._h, a, b);
  if (typeof a === 'number') return call(A.whereSS, condition._h, a, arg(b));
  if (typeof b === 'number') return call(A.whereSO, condition._h, arg(a), b);
  return call(A.where, condition._h, a._h, b._h);
}
