/** Element types. `float64` exists on the CPU backend only, for gradient checks. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export type DataTypeMap = {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
};

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

import { allocate } from './storage_pool.js';

export { allocate, allocateUninitialized } from './storage_pool.js';

/** The dtype whose typed array `array` is. */
export function dtypeOfArray(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Convert `array` to `dtype`, copying; bool conversion maps non-zero to 1. */
export function convertArray(array: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, array.length);
  if (dtype === 'bool') {
    for (let i = 0; i < array.length; i++) out[i] = array[i] ? 1 : 0;
  } else if (dtype === 'int32') {
    // Truncation toward zero, as PyTorch's float -> int cast.
    for (let i = 0; i < array.length; i++) out[i] = Math.trunc(array[i] as number);
  } else {
    for (let i = 0; i < array.length; i++) out[i] = array[i] as number;
  }
  return out;
}

const PROMOTION_ORDER: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion for binary ops, as in PyTorch: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return PROMOTION_ORDER[a] >= PROMOTION_ORDER[b] ? a : b;
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}
