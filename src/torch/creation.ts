/**
 * Creating tensors: from JavaScript data (one copy) and PyTorch's factory functions.
 * @module
 */
import { aten } from './aten.js';
import { type DType, dtypeCode, dtypeOfTypedArray } from './dtype.js';
import { native } from './native.js';
import { call, type Device, type ShapeArgs, Tensor } from './tensor.js';

/** Options shared by the factory functions. */
export interface TensorOptions {
  /** Element type. Default: float32 for floating factories; inferred for `tensor()`. */
  dtype?: DType;
  /** Device. Default: `'cpu'`. */
  device?: Device | string;
  /** Record operations for autograd. Default: false. */
  requiresGrad?: boolean;
}

/** Data `tensor()` accepts: numbers, booleans, nested arrays of them, or a typed array / Buffer. */
export type TensorData = number | boolean | NestedData[] | ArrayBufferView;
type NestedData = number | boolean | NestedData[];

const F = {
  zeros: aten('zeros'), ones: aten('ones'), full: aten('full'), empty: aten('empty', 'memory_format'),
  arange: aten('arange', 'start_step'), linspace: aten('linspace'), rand: aten('rand'), randn: aten('randn'),
  randint: aten('randint', 'low'), randperm: aten('randperm'), eye: aten('eye', 'm'),
};

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Positional tensor options for ATen factories: dtype, layout, device, pin_memory. */
function factory(options: TensorOptions, defaultDtype: DType | null = 'float32'): [number | null, null, string | null, null] {
  const dtype = options.dtype ?? defaultDtype;
  return [dtype === null ? null : dtypeCode(dtype), null, options.device ?? null, null];
}

function inferShape(data: NestedData, path = 'data'): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = inferShape(data[0]!, `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const s = inferShape(data[i]!, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((v, j) => v !== inner[j])) {
      throw new RangeError(`tensor(): ${path}[${i}] has shape [${s}] but ${path}[0] has [${inner}]; nested arrays must be rectangular`);
    }
  }
  return [data.length, ...inner];
}

function flatten(data: NestedData, out: (number | boolean)[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
}

/**
 * A tensor from JavaScript data, copied once into native memory.
 * - nested arrays: the shape is inferred; dtype defaults to int64 when every value is an integer,
 *   bool for booleans, float32 otherwise (as PyTorch);
 * - a typed array or Buffer: `shape` defaults to 1-d; dtype defaults to the array's own
 *   (Uint8Array/Buffer -> uint8, so HWC image bytes become a uint8 tensor in one copy).
 *
 * @example
 * torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
 * torch.tensor(rgbBytes, [h, w, 3]); // uint8, HWC
 */
export function tensor(data: TensorData, shape?: readonly number[] | TensorOptions, options: TensorOptions = {}): Tensor {
  if (shape !== undefined && !Array.isArray(shape)) {
    options = shape as TensorOptions;
    shape = undefined;
  }
  let typed: ArrayBufferView;
  let src: DType;
  let dims: readonly number[];
  let dst: DType;
  if (ArrayBuffer.isView(data)) {
    typed = data;
    src = dtypeOfTypedArray(data);
    const n = (data as unknown as { length: number }).length;
    dims = (shape as readonly number[] | undefined) ?? [n];
    dst = options.dtype ?? src;
  } else {
    const values: (number | boolean)[] = [];
    flatten(data as NestedData, values);
    dims = (shape as readonly number[] | undefined) ?? inferShape(data as NestedData);
    const allBool = values.length > 0 && values.every((v) => typeof v === 'boolean');
    const allInt = values.every((v) => typeof v === 'number' && Number.isInteger(v));
    dst = options.dtype ?? (allBool ? 'bool' : allInt && values.length > 0 ? 'int64' : 'float32');
    typed = Float64Array.from(values, (v) => Number(v));
    src = 'float64';
  }
  let t = new Tensor(native.fromData(typed, [...dims], dtypeCode(src), dtypeCode(dst)));
  if (options.device && options.device !== 'cpu') {
    const moved = t.toDevice(options.device);
    t.dispose();
    t = moved;
  }
  return finish(t, options);
}

function shapeArg(shape: ShapeArgs | readonly number[]): readonly number[] {
  const s = shape as unknown[];
  return s.length === 1 && Array.isArray(s[0]) ? (s[0] as number[]) : (s as number[]);
}

/** A tensor of zeros of `shape`. */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(call(F.zeros, shapeArg(shape), ...factory(options)), options);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(call(F.ones, shapeArg(shape), ...factory(options)), options);
}

/** A tensor filled with `value` (float32 unless `dtype` says otherwise). */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  return finish(call(F.full, shapeArg(shape), value, ...factory(options)), options);
}

/** An uninitialised tensor (contents are whatever memory held). */
export function empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(call(F.empty, shapeArg(shape), ...factory(options), null), options);
}

/**
 * Values from `start` to `end` (exclusive) by `step`; `arange(n)` is 0..n-1.
 * dtype: int64 when all arguments are integers, else float32 (as PyTorch).
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const integral = [start, end, step].every(Number.isInteger);
  return finish(call(F.arange, start, end, step, ...factory(options, integral ? 'int64' : 'float32')), options);
}

/** `steps` values evenly spaced from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(call(F.linspace, start, end, steps, ...factory(options)), options);
}

/** Uniform random values in [0, 1) from the global generator (see manualSeed). */
export function rand(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(call(F.rand, shapeArg(shape), ...factory(options)), options);
}

/** Standard normal random values from the global generator; matches PyTorch's for the same seed. */
export function randn(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(call(F.randn, shapeArg(shape), ...factory(options)), options);
}

/** Random integers in [low, high) (int64 by default). */
export function randint(low: number, high: number, shape: readonly number[], options: TensorOptions = {}): Tensor {
  return finish(call(F.randint, low, high, shapeArg(shape), ...factory(options, 'int64')), options);
}

/** A random permutation of 0..n-1 (int64), as PyTorch's `randperm` draws it. */
export function randperm(n: number, options: TensorOptions = {}): Tensor {
  return finish(call(F.randperm, n, ...factory(options, 'int64')), options);
}

/** The n x m identity matrix (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  return finish(call(F.eye, n, m, ...factory(options)), options);
}

function like(t: Tensor, options: TensorOptions): TensorOptions {
  return { dtype: t.dtype, device: t.device, ...options };
}

/** Zeros with `t`'s shape, dtype and device (each overridable in `options`). */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, like(t, options));
}

/** Ones with `t`'s shape, dtype and device (each overridable in `options`). */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, like(t, options));
}

/** `value` everywhere, with `t`'s shape, dtype and device (each overridable in `options`). */
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, like(t, options));
}

/** An uninitialised tensor with `t`'s shape, dtype and device (each overridable in `options`). */
export function emptyLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return empty(t.shape, like(t, options));
}

/** Uniform [0, 1) values with `t`'s shape, dtype and device (each overridable in `options`). */
export function randLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return rand(t.shape, like(t, options));
}

/** Standard normal values with `t`'s shape, dtype and device (each overridable in `options`). */
export function randnLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return randn(t.shape, like(t, options));
}
