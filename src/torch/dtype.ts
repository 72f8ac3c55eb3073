/**
 * Tensor element types, by PyTorch's names.
 * @module
 */

/** The element types a tensor can hold. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

// c10::ScalarType's numbering (stable across libtorch 1.x and 2.x).
const CODES: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11, bfloat16: 15,
};
const NAMES = new Map<number, DType>(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

/** Bytes per element. */
export const ELEMENT_SIZE: Record<DType, number> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8, bool: 1, bfloat16: 2,
};

/** @internal The c10::ScalarType number of a dtype, as the native addon takes it. */
export function dtypeCode(dtype: DType): number {
  const code = CODES[dtype];
  if (code === undefined) {
    throw new TypeError(`unknown dtype '${String(dtype)}'; use one of ${Object.keys(CODES).join(', ')}`);
  }
  return code;
}

/** @internal The dtype of a c10::ScalarType number; throws for types fastai-ts does not expose. */
export function dtypeFromCode(code: number): DType {
  const name = NAMES.get(code);
  if (name === undefined) throw new TypeError(`tensor has a dtype (code ${code}) fastai-ts does not support`);
  return name;
}

/** Whether `dtype` is a floating-point type (float32, float64, float16, bfloat16). */
export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** A typed array holding elements of `dtype` (16-bit floats as raw Uint16 bits, bool as Uint8). */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int16'
          ? Int16Array
          : D extends 'int8'
            ? Int8Array
            : D extends 'float16' | 'bfloat16'
              ? Uint16Array
              : Uint8Array;

/** Any typed array a tensor's elements can be read into (see {@link TypedArrayFor}). */
export type AnyTypedArray =
  | Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array | Uint8ClampedArray;

/** Views an ArrayBuffer as the typed array that matches `dtype`. */
export function typedArrayOf(dtype: DType, buffer: ArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'float16': case 'bfloat16': return new Uint16Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
  }
}

/** The dtype a typed array's elements are, when copied into a tensor as they are. */
export function dtypeOfTypedArray(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  throw new TypeError(
    `cannot make a tensor from a ${data.constructor.name}; use Float32Array, Float64Array, BigInt64Array, Int32Array, Int16Array, Int8Array or Uint8Array (Buffer)`,
  );
}
