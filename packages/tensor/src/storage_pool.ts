/**
 * Recycled storage for CPU tensors. A fresh typed array is expensive beyond its size: the allocator zeroes it, the
 * kernel's first write faults its pages in, and the garbage collector later scans and frees it. Measured on a
 * training step of Nielsen's two-conv net (batch 10), which makes about 2 MB of intermediate arrays: 3.2-3.4 ms per
 * step with fresh arrays, 2.7-2.8 ms when disposed tensors give their arrays back for the next step's kernels
 * (docs/benchmarks.md, "Recycled storage").
 *
 * Arrays come back only through `Tensor.dispose()` (directly, or at the end of `tidy`), so code that never disposes
 * sees no change. An array is recycled only if this pool made it (`allocate`, `allocateUninitialized`) and it never
 * left the library: `readSync`/`dataSync` hand the array itself to the caller, so they mark it as escaped and it is
 * never reused. A user's own array wrapped by `asTensor` is never recycled either.
 *
 * The pool keeps at most `limitBytes` (64 MiB by default; `setCacheLimit`); when a returned array would go over,
 * the pool empties first (a training loop refills it with the same few megabytes at the next step).
 * `emptyCache()` drops everything, as `torch.cuda.empty_cache()` does for PyTorch's caching allocator.
 */
import type { DType, TypedArray } from './dtype.js';

/** Arrays shorter than this are cheap to make (V8 keeps the smallest on its own heap): not pooled. */
const MIN_LENGTH = 256;
const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

/** Arrays the pool made, which may be recycled. */
const owned = new WeakSet<TypedArray>();
/** Arrays in the free lists now (a second dispose of the same storage must not list it twice). */
const listed = new WeakSet<TypedArray>();
const free = new Map<number, TypedArray[]>();
let pooledBytes = 0;
let limitBytes = 64 * 1024 * 1024;

const keyOf = (dtype: DType, length: number) => length * 4 + DTYPE_CODE[dtype];

function make(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** A recycled array of `size` elements (unspecified contents), or null where the pool has none. */
export function takeRecycled(dtype: DType, size: number): TypedArray | null {
  if (size < MIN_LENGTH) return null;
  const array = free.get(keyOf(dtype, size))?.pop();
  if (!array) return null;
  listed.delete(array);
  pooledBytes -= array.byteLength;
  return array;
}

/** Mark a new array made for a tensor's storage (e.g. by `slice`) as the pool's, so that it can be recycled. */
export function adopt<T extends TypedArray>(array: T): T {
  if (array.length >= MIN_LENGTH) owned.add(array);
  return array;
}

const fresh = (dtype: DType, size: number): TypedArray => adopt(make(dtype, size));

/**
 * An array of `size` elements for a new tensor's storage, recycled where one is free, with unspecified contents:
 * for kernels that write every element.
 */
export function allocateUninitialized(dtype: DType, size: number): TypedArray {
  return takeRecycled(dtype, size) ?? fresh(dtype, size);
}

/** A zero-filled array of `size` elements of `dtype` for a new tensor's storage (recycled where one is free). */
export function allocate(dtype: DType, size: number): TypedArray {
  const recycled = takeRecycled(dtype, size);
  // A fresh array is zeroed already (and filling it would fault its pages in early).
  return recycled ? recycled.fill(0) : fresh(dtype, size);
}

/** @internal The storage of a disposed tensor: kept for reuse if the pool made it and it never escaped. */
export function recycle(array: unknown, dtype: DType): void {
  if (!ArrayBuffer.isView(array)) return;
  const values = array as TypedArray;
  if (values.length < MIN_LENGTH || !owned.has(values) || listed.has(values)) return;
  if (pooledBytes + values.byteLength > limitBytes) {
    emptyCache();
    if (values.byteLength > limitBytes) return;
  }
  const key = keyOf(dtype, values.length);
  let list = free.get(key);
  if (!list) {
    list = [];
    free.set(key, list);
  }
  list.push(values);
  listed.add(values);
  pooledBytes += values.byteLength;
}

/** @internal The array is now visible outside the library (dataSync, read): never recycle it. */
export function markEscaped(array: unknown): void {
  if (ArrayBuffer.isView(array)) owned.delete(array as TypedArray);
}

/** Bytes of storage the pool holds for reuse. */
export function cachedBytes(): number {
  return pooledBytes;
}

/** Release every array the pool holds (to the garbage collector). */
export function emptyCache(): void {
  for (const list of free.values()) for (const array of list) listed.delete(array);
  free.clear();
  pooledBytes = 0;
}

/** The most bytes the pool keeps (default 64 MiB); 0 turns recycling off. */
export function setCacheLimit(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new Error(`setCacheLimit: expected a number of bytes >= 0, got ${bytes}`);
  }
  limitBytes = bytes;
  if (pooledBytes > limitBytes) emptyCache();
}
