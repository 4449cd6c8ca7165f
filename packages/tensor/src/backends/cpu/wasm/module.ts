/**
 * The WebAssembly SIMD kernels' module: chosen, compiled and instantiated once, when the CPU backend starts, plus the
 * scratch arena in its memory through which kernel operands pass.
 *
 * Storage made outside `tidy` stays in JavaScript typed arrays (docs/benchmarks.md, "Where CPU storage lives"): a
 * kernel copies its operands into the arena, runs, and copies its result out. The arena's scratch is reset at every
 * kernel call, so for such code the module's memory grows to the largest single call's operands and then stays that
 * size, however long training runs (test/wasm_memory.test.ts checks it). Over the threads build's shared memory,
 * results made inside `tidy` and pinned tensors are blocks of this memory instead (see WasmArena and
 * storage_pool.ts): operands that are such blocks are not copied in, and results are written straight into them.
 */
import { adopt, recycle, takeRecycled, takeResident } from '../../../storage_pool.js';
import { relaxedSimdThreadsWasm, relaxedSimdWasm, simdThreadsWasm, simdWasm } from './kernels.generated.js';
import { canStartWorker, THREADS_MIN_MACS, WorkerPool } from './threads.js';

/** The exports of assembly/index.ts. Addresses are byte offsets into `memory`; sizes and strides are elements. */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  gemmScratchBytes(): number;
  setGemmScratch(base: number): void;
  sgemm(
    m: number,
    n: number,
    k: number,
    a: number,
    aRowStride: number,
    aColStride: number,
    b: number,
    bRowStride: number,
    bColStride: number,
    c: number,
    ldc: number,
    accumulate: boolean,
  ): void;
  setConvGeometry(
    batch: number,
    inChannels: number,
    height: number,
    width: number,
    outChannels: number,
    kernelH: number,
    kernelW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    dilationH: number,
    dilationW: number,
    groups: number,
    /** 1: the forward pass and the filter gradient may take Winograd where the geometry suits (assembly/winograd.ts). */
    allowWinograd: number,
  ): void;
  /** dst[i] += src[i] for n floats (f32 adds). */
  addFloats(dst: number, src: number, n: number): void;
  /** Bytes of scratch one conv call needs for the geometry last set (the same for any batch). */
  convScratchBytes(): number;
  conv2dForward(x: number, w: number, out: number, scratch: number): void;
  conv2dBackpropInput(dy: number, w: number, dx: number, scratch: number): void;
  conv2dBackpropFilter(x: number, dy: number, dw: number, scratch: number): void;
  setPoolGeometry(
    planes: number,
    height: number,
    width: number,
    kernelH: number,
    kernelW: number,
    strideH: number,
    strideW: number,
    padH: number,
    padW: number,
    outH: number,
    outW: number,
  ): void;
  maxPool2d(x: number, out: number): void;
  maxPool2dGrad(dy: number, x: number, dx: number): void;
  avgPool2d(x: number, out: number): void;
  avgPool2dGrad(dy: number, dx: number): void;
  sigmoidF32(x: number, out: number, n: number): void;
  /**
   * out = a op b (op 0 add, 1 sub, 2 mul, 3 div) over [outer, channels, inner]: mode 0 both full, 1 b one value per
   * channel, 2 a one value per channel.
   */
  binaryF32(
    op: number,
    a: number,
    b: number,
    out: number,
    outer: number,
    channels: number,
    inner: number,
    mode: number,
  ): void;
  /** The sum over the middle axis of [outer, reduced, inner] (float64 accumulators at `acc`). */
  sumF32(x: number, out: number, outer: number, reduced: number, inner: number, acc: number): void;
  sigmoidGradF32(y: number, dy: number, out: number, n: number): void;
  addScaledF32(y: number, x: number, n: number, alpha: number): void;
  /** C (m x n, rows ldc floats apart) = A (m x k) B (n x k)^T. */
  rowDots(m: number, n: number, k: number, a: number, b: number, c: number, ldc: number): void;
  /** C (m x n) = sum over p of A(p, i) B(p, j); B's and C's rows ld floats apart. */
  outerSums(
    m: number,
    n: number,
    k: number,
    a: number,
    aRow: number,
    aCol: number,
    b: number,
    c: number,
    ld: number,
  ): void;
}

/** Which WebAssembly module runs: with relaxed SIMD's fused multiply-add where the engine has it, else plain SIMD. */
export type WasmModuleKind = 'relaxed-simd' | 'simd' | 'relaxed-simd-threads' | 'simd-threads';

/** The threads build's memory limits in 64 KiB pages (asc --initialMemory / --maximumMemory in build_wasm.ts). */
const THREADS_MEMORY_PAGES = { initial: 64, maximum: 32768 } as const;

const PAGE = 65536;
/** Resident tensor storage per process (bytes): a training step's intermediates are a few MB. */
const RESIDENT_LIMIT = 512 * 1024 * 1024;
/** Operands start on a cache-line boundary. */
const ALIGN = 64;

/**
 * A bump allocator over the module's memory above its static scratch. `reset()` frees everything; kernels reset it
 * on entry, so nothing outlives a call.
 *
 * Over a shared memory (the threads build) the arena also serves resident tensor storage (storage_pool.ts): blocks
 * below `tensorTop` belong to tensors and are never freed (they cycle through the pool's free lists by size); the
 * per-call scratch starts at `tensorTop`. A kernel's operand that is such a view is used in place (copyIn returns
 * its address), and a result allocated with `allocResult` is written straight into a resident block when one is
 * free (or, inside `tidy`, new).
 */
export class WasmArena {
  readonly exports: WasmExports;
  readonly kind: WasmModuleKind;
  private readonly base: number;
  private top: number;
  private heap: Float32Array;
  /** The second thread (threads build only); null when single-threaded. */
  pool: WorkerPool | null = null;
  /** Kernel calls with fewer multiply-adds stay on one thread (tests lower it to send every size to the worker). */
  threadsMinMacs = THREADS_MIN_MACS;
  /** Whether the current call may split across the worker (set per call by the CPU backend: false for threads 1). */
  threads = true;
  /** Whether the memory is shared (its buffer never detaches, so tensors may live in it). */
  readonly shared: boolean;
  /** End of the resident tensor blocks (bytes); scratch starts here. */
  private tensorTop: number;
  /** Every buffer object this memory has had (a SharedArrayBuffer object per size), to recognise resident views. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** The current call's result when it is a resident block (a kernel has one result), and its address. */
  private result: Float32Array | null = null;
  private resultAddress = -1;
  /** The most bytes of resident tensor blocks (beyond it, tensors stay in JavaScript arrays). */
  residentLimit = RESIDENT_LIMIT;

  /** `reserve` bytes above the static scratch stay outside the arena (the worker's sgemm scratch). */
  constructor(exports: WasmExports, kind: WasmModuleKind, reserve = 0) {
    this.exports = exports;
    this.kind = kind;
    this.base = Math.ceil((Math.ceil(exports.heapBase() / ALIGN) * ALIGN + reserve) / ALIGN) * ALIGN;
    this.top = this.base;
    this.tensorTop = this.base;
    this.heap = new Float32Array(exports.memory.buffer);
    this.shared =
      typeof SharedArrayBuffer === 'function' && exports.memory.buffer instanceof SharedArrayBuffer;
  }

  /** Free every block (the next kernel call starts from an empty arena). */
  reset(): void {
    this.top = this.tensorTop;
    if (this.result) this.releaseResult();
  }

  /** Reserve `floats` float32 values; returns their byte address. Grows the memory when needed. */
  alloc(floats: number): number {
    const address = this.top;
    this.top = Math.ceil((address + floats * 4) / ALIGN) * ALIGN;
    this.ensure(this.top);
    return address;
  }

  /** Grow the memory to at least `bytes` (RangeError where it cannot). */
  private ensure(bytes: number): void {
    const size = this.exports.memory.buffer.byteLength;
    if (bytes > size) {
      this.exports.memory.grow(Math.ceil((bytes - size) / PAGE));
      // Growing detaches a non-shared buffer: views must be made again.
      this.heap = new Float32Array(this.exports.memory.buffer);
    }
  }

  /**
   * A new resident block of `length` floats for tensor storage, as a view (contents unspecified: the memory may
   * have been scratch), or null: not shared, over `residentLimit`, the memory cannot grow, or this call already uses
   * scratch. Placed at the end of the tensor blocks.
   */
  allocateBlock(length: number): Float32Array | null {
    // Not while this call's scratch is in use: the block would go above it, and the scratch below would be lost to
    // tensors for good (kernels allocate their result first).
    if (!this.shared || this.top > this.tensorTop) return null;
    const address = Math.ceil(this.tensorTop / ALIGN) * ALIGN;
    const end = Math.ceil((address + length * 4) / ALIGN) * ALIGN;
    if (end - this.base > this.residentLimit) return null;
    try {
      this.ensure(end);
    } catch (error) {
      if (error instanceof RangeError) return null;
      throw error;
    }
    this.tensorTop = end;
    this.top = Math.max(this.top, end);
    const buffer = this.exports.memory.buffer;
    this.buffers.add(buffer);
    return new Float32Array(buffer, address, length);
  }

  /** The byte address of `values` if it is a view into this memory (a resident tensor), else -1. */
  addressOf(values: Float32Array): number {
    return this.shared && this.buffers.has(values.buffer) ? values.byteOffset : -1;
  }

  /** Copy the first `length` values of `values` into a new block; returns its byte address. Resident: no copy. */
  copyIn(values: Float32Array, length: number): number {
    const resident = this.addressOf(values);
    if (resident >= 0) return resident;
    const address = this.alloc(length);
    this.heap.set(length === values.length ? values : values.subarray(0, length), address >> 2);
    return address;
  }

  /**
   * The address for a kernel's result of `length` floats: a resident block where the storage pool gives one (the
   * kernel then writes the tensor's storage directly), else scratch. `copyOut` with that address returns it.
   */
  allocResult(length: number): number {
    const block = this.shared ? takeResident(length) : null;
    if (!block) return this.alloc(length);
    const address = this.addressOf(block);
    if (address < 0 || this.result) {
      // A block of another memory (another backend's), or a second result in one call: give it back, use scratch.
      recycle(block, 'float32');
      return this.alloc(length);
    }
    this.result = block;
    this.resultAddress = address;
    return address;
  }

  /** A result block the call did not return (it failed, or fell back to TypeScript) goes back to the pool. */
  private releaseResult(): void {
    recycle(this.result, 'float32');
    this.result = null;
    this.resultAddress = -1;
  }

  /** A Float32Array with the `length` values at byte address `address`: the resident result itself, or a copy. */
  copyOut(address: number, length: number): Float32Array {
    const block = this.result;
    if (block && address === this.resultAddress && block.length === length) {
      this.result = null;
      this.resultAddress = -1;
      return block;
    }
    // Into a recycled array where the storage pool has one (no allocation, no page faults); else slice, which copies
    // in one pass (new Float32Array(length).set(...) would zero-fill first: 10-15% slower on 460 KB).
    const start = address >> 2;
    const out = takeRecycled('float32', length) as Float32Array | null;
    if (!out) return adopt(this.heap.slice(start, start + length));
    out.set(this.heap.subarray(start, start + length));
    return out;
  }

  /** A view of the `length` floats at byte address `address` (valid until the memory next grows). */
  view(address: number, length: number): Float32Array {
    return this.heap.subarray(address >> 2, (address >> 2) + length);
  }

  /** The module's memory in bytes (it only ever grows, to the largest call's operands). */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  // atob exists in browsers, workers and Node >= 16, so no Buffer (Node-only) is needed.
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let loaded: WasmArena | null | undefined;
let relaxedChecked = false;

/**
 * Node 20's V8 (11.3) implements relaxed SIMD but keeps it behind --experimental-wasm-relaxed-simd (it ships on by
 * default from V8 11.4: Chrome 114, Node 22). Its fused multiply-add makes the GEMM 30% faster (docs/benchmarks.md),
 * so in Node, where the relaxed module does not validate, the flag is set at run time (V8 reads wasm feature flags
 * when it compiles a module; the module is validated again after). `NNDL_WASM_RELAXED=0` leaves V8's flags alone.
 */
function enableRelaxedSimdInNode(): void {
  if (relaxedChecked) return;
  relaxedChecked = true;
  const proc = (
    globalThis as {
      process?: {
        versions?: { node?: string };
        env?: Record<string, string | undefined>;
        getBuiltinModule?: (name: string) => unknown;
      };
    }
  ).process;
  if (!proc?.versions?.node || proc.env?.NNDL_WASM_RELAXED === '0' || !proc.getBuiltinModule) return;
  if (WebAssembly.validate(decodeBase64(relaxedSimdWasm))) return;
  try {
    const v8 = proc.getBuiltinModule('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
    v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // No such flag in this V8: plain SIMD runs.
  }
}

/**
 * The kernels' module, or null where WebAssembly SIMD is missing (or the module cannot be compiled here, e.g. a
 * Content-Security-Policy without 'wasm-unsafe-eval'). Each module is validated by the engine before use: relaxed
 * SIMD first (Chrome >= 114, Node >= 22; Node 20 only with --experimental-wasm-relaxed-simd), then plain SIMD
 * (every engine since 2021).
 */
export function loadWasmKernels(): WasmArena | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (typeof WebAssembly !== 'object') return loaded;
  loaded = firstLoadable(
    [
      ['relaxed-simd', relaxedSimdWasm],
      ['simd', simdWasm],
    ],
    (bytes, kind) => {
      try {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
        return new WasmArena(instance.exports as unknown as WasmExports, kind);
      } catch {
        // Compilation refused (CSP, or a main-thread size limit): try the next, else the TypeScript kernels run.
        return null;
      }
    },
  );
  return loaded;
}

/**
 * The first of `candidates` (most capable first) that the engine validates and `instantiate` accepts, or null.
 * Node 20 first gets its relaxed-SIMD flag (enableRelaxedSimdInNode).
 */
function firstLoadable(
  candidates: [WasmModuleKind, string][],
  instantiate: (bytes: Uint8Array<ArrayBuffer>, kind: WasmModuleKind) => WasmArena | null,
): WasmArena | null {
  enableRelaxedSimdInNode();
  for (const [kind, base64] of candidates) {
    const bytes = decodeBase64(base64);
    if (!WebAssembly.validate(bytes)) continue;
    const arena = instantiate(bytes, kind);
    if (arena) return arena;
  }
  return null;
}

let threaded: WasmArena | null | undefined;
/** Starts the threads build's worker (once), where it was loaded without one. */
let startWorker: (() => void) | null = null;

/**
 * The threads build of the kernels over a shared memory, with a worker thread (threads.ts) that starts in the
 * background when `withWorker` (the default); null where shared memory or SIMD is missing, or no worker can be started
 * (a browser page or worker that is not cross-origin isolated). Until the worker is up, or where the machine has one
 * core, `pool.ready()` is false and calls run on one thread. Loaded without a worker (`threads: 1`), it runs on one
 * thread over the shared memory, which lets tensors live in it (storage_pool.ts); a later call with a worker starts
 * it.
 */
export function loadThreadedWasmKernels(withWorker = true): WasmArena | null {
  if (threaded === undefined) {
    threaded = null;
    if (typeof WebAssembly === 'object' && typeof SharedArrayBuffer === 'function' && canStartWorker()) {
      threaded = firstLoadable(
        [
          ['relaxed-simd-threads', relaxedSimdThreadsWasm],
          ['simd-threads', simdThreadsWasm],
        ],
        instantiateThreaded,
      );
    }
  }
  if (withWorker && startWorker) {
    startWorker();
    startWorker = null;
  }
  return threaded;
}

function instantiateThreaded(bytes: Uint8Array<ArrayBuffer>, kind: WasmModuleKind): WasmArena | null {
  try {
    const memory = new WebAssembly.Memory({ ...THREADS_MEMORY_PAGES, shared: true });
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const exports = instance.exports as unknown as WasmExports;
    const scratch = Math.ceil(exports.heapBase() / ALIGN) * ALIGN;
    const arena = new WasmArena(exports, kind, exports.gemmScratchBytes());
    arena.alloc(0); // grow the memory over the worker's scratch now, if the initial size does not cover it
    startWorker = () => {
      arena.pool = new WorkerPool(module, memory, scratch, exports);
    };
    return arena;
  } catch {
    // No shared memory here: the single-threaded modules run.
    return null;
  }
}
