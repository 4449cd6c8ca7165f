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
import { type DType, dtypeOfArray, type TypedArray } from './dtype.js';
import { inTidy } from './scope.js';

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

/**
 * Resident storage: where the CPU backend's WebAssembly memory is shared (the threads build: Node, cross-origin
 * isolated browsers), a wasm kernel's float32 result made inside `tidy` is a view into that memory (the arena's
 * `allocResult` takes it here), so that the next wasm kernel reads it in place, and pinned tensors (`pinMemory`)
 * live there too. Such memory never detaches when it grows, and its blocks are only ever reused through these free
 * lists (by exact length): disposed views come back here; a tensor leaving the outermost `tidy` moves out of wasm
 * memory (the CPU backend's `relocate`); a pinned view that the garbage collector takes without a dispose comes back
 * through a FinalizationRegistry. Outside `tidy` no block is taken (a synchronous loop would never let the registry
 * run), and the CPU backend reads resident storage as a copy, so no view into wasm memory leaves the library.
 */
export interface ResidentHeap {
  /** A new zero-or-stale block of `length` floats as a view into the shared memory, or null (no room). */
  allocateBlock(length: number): Float32Array | null;
}

let residentHeap: ResidentHeap | null = null;
const residentFree = new Map<number, Float32Array[]>();
/** Resident views, with the generation of the heap they belong to. */
const resident = new WeakMap<TypedArray, number>();
let residentFreeBytes = 0;
/** Bumped when the heap changes: blocks of an earlier heap that the collector hands back are not reused. */
let generation = 0;
interface Block {
  buffer: ArrayBufferLike;
  byteOffset: number;
  length: number;
  generation: number;
}
const residentFinalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Block>((block) => {
        if (block.generation !== generation) return;
        const view = new Float32Array(block.buffer, block.byteOffset, block.length);
        adoptResident(view);
        listResident(view);
      })
    : null;

/** @internal The CPU backend registers its shared wasm memory here (null: none). */
export function setResidentHeap(heap: ResidentHeap | null): void {
  if (heap === residentHeap) return;
  residentHeap = heap;
  generation++;
  for (const list of residentFree.values()) for (const view of list) listed.delete(view);
  residentFree.clear();
  residentFreeBytes = 0;
}

function adoptResident(view: Float32Array): void {
  owned.add(view);
  resident.set(view, generation);
  residentFinalizer?.register(view, {
    buffer: view.buffer,
    byteOffset: view.byteOffset,
    length: view.length,
    generation,
  });
}

function listResident(view: Float32Array): void {
  let list = residentFree.get(view.length);
  if (!list) {
    list = [];
    residentFree.set(view.length, list);
  }
  list.push(view);
  listed.add(view);
  residentFreeBytes += view.byteLength;
}

/**
 * A resident float32 block of `size` elements (unspecified contents) for a wasm kernel's result inside `tidy`: a free
 * one, or a new one; null outside `tidy` (a tensor made there may never be disposed, and in a synchronous loop the
 * FinalizationRegistry that would return its block never runs) and where there is no shared memory. Only the wasm
 * arena's `allocResult` takes these (the result becomes the new tensor's storage); `allocate` hands out typed arrays,
 * which kernels also use for temporaries that never become storage.
 */
export function takeResident(size: number): Float32Array | null {
  if (!inTidy()) return null;
  const block = residentBlock(size);
  if (block) pinned.delete(block);
  return block;
}

/** A free resident block of `size` floats, else a new one; null below MIN_LENGTH or without shared memory. */
function residentBlock(size: number): Float32Array | null {
  if (!residentHeap || size < MIN_LENGTH) return null;
  const block = residentFree.get(size)?.pop();
  if (block) {
    listed.delete(block);
    residentFreeBytes -= block.byteLength;
    return block;
  }
  const view = residentHeap.allocateBlock(size);
  if (view) adoptResident(view);
  return view;
}

/** Resident blocks that hold pinned tensors (pinMemory): they stay in wasm memory when their tensor leaves a scope. */
const pinned = new WeakSet<TypedArray>();

/** @internal Whether `array` is a pinned block of the kernels' wasm memory (pinMemory). */
export function isPinnedBlock(array: unknown): boolean {
  return resident.get(array as TypedArray) === generation && pinned.has(array as TypedArray);
}

/** @internal A resident block made for a scoped tensor (not a pinned one): see Backend.relocate. */
export function isScopedResident(array: unknown): boolean {
  return resident.get(array as TypedArray) === generation && !pinned.has(array as TypedArray);
}

/**
 * A resident block of `size` floats for long-lived storage (a model's parameters: `pinMemory`), allocated whether
 * or not inside `tidy`; null where there is no shared memory. It comes back when its tensor is disposed or collected.
 */
export function allocatePinned(size: number): Float32Array | null {
  const block = residentBlock(size);
  if (block) pinned.add(block);
  return block;
}

/** @internal For tests: fill every free resident block with `value` (stale contents a kernel must overwrite). */
export function fillFreeResident(value: number): void {
  for (const list of residentFree.values()) for (const view of list) view.fill(value);
}

/** @internal Whether `array` is a view into the CPU backend's shared wasm memory made by this pool. */
export function isResident(array: unknown): boolean {
  return resident.has(array as TypedArray);
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
  const heapGeneration = resident.get(values);
  if (heapGeneration !== undefined) {
    // Resident blocks stay listed whatever the limit: the wasm memory they live in never shrinks. A block of an
    // earlier heap (another backend's memory) is dropped.
    if (heapGeneration === generation) listResident(values as Float32Array);
    return;
  }
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

/**
 * @internal The array is now visible outside the library (dataSync, read): never recycle it. (Resident blocks are not
 * handed out: the CPU backend reads them as copies.)
 */
export function markEscaped(array: unknown): void {
  if (!ArrayBuffer.isView(array)) return;
  const values = array as TypedArray;
  owned.delete(values);
  if (listed.has(values)) {
    // Listed already (its tensor was disposed): take it off its free list too.
    const list = free.get(keyOf(dtypeOfArray(values), values.length));
    const at = list?.indexOf(values) ?? -1;
    if (at >= 0) {
      list!.splice(at, 1);
      pooledBytes -= values.byteLength;
    }
    listed.delete(values);
  }
}

/** Bytes of storage the pool holds for reuse (typed arrays, and free blocks of the shared wasm memory). */
export function cachedBytes(): number {
  return pooledBytes + residentFreeBytes;
}

/**
 * Release every array the pool holds to the garbage collector. Free blocks of the shared wasm memory stay listed
 * (that memory cannot shrink; they are reused by the next tensors of their size).
 */
export function emptyCache(): void {
  for (const list of free.values()) for (const array of list) listed.delete(array);
  free.clear();
  pooledBytes = 0;
}

/**
 * The most bytes of typed arrays the pool keeps (default 64 MiB); 0 turns their recycling off. Free blocks of the
 * shared wasm memory are always reused (that memory cannot shrink).
 */
export function setCacheLimit(bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new Error(`setCacheLimit: expected a number of bytes >= 0, got ${bytes}`);
  }
  limitBytes = bytes;
  if (pooledBytes > limitBytes) emptyCache();
}
