/**
 * The backend contract: storage plus a kernel table. A backend owns the memory behind tensors (typed arrays on the
 * CPU, textures on WebGL) and implements kernels by name; it never sees gradients.
 */
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/** What a kernel sees of a tensor: its storage handle, shape and dtype. Storage is always contiguous. */
export interface TensorInfo {
  readonly handle: unknown;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A kernel: inputs and typed attributes (see kernel_names.ts) in, one new tensor out. */
export type KernelFn = (inputs: readonly TensorInfo[], attrs: never, backend: Backend) => TensorInfo;

export interface KernelImplementation {
  /** e.g. 'ts' or 'wasm-simd': a kernel may have several, chosen at start-up. */
  readonly variant: string;
  readonly fn: KernelFn;
}

export interface MemoryInfo {
  /** Live storage handles (tensors whose storage has not been released). */
  numHandles: number;
  numBytes: number;
  /** Storage kept for reuse (on the CPU: the arrays of disposed tensors; see emptyCache). */
  cachedBytes?: number;
}

export interface Backend {
  readonly name: string;
  /** Take `values` as the storage of a new tensor (the backend may keep the array itself). */
  write(values: TypedArray, shape: Shape, dtype: DType): unknown;
  /** Read storage as a typed array of its dtype (a copy on devices; on the CPU, the array itself). */
  read(handle: unknown, dtype: DType): Promise<TypedArray>;
  readSync(handle: unknown, dtype: DType): TypedArray;
  /**
   * Overwrite the storage that `target` denotes with `values` (in-place ops). Views share the handle object, so the
   * change must be visible through it: a backend with immutable buffers keeps a mutable box as its handle.
   */
  assign(target: unknown, values: unknown, dtype: DType): void;
  dispose(handle: unknown): void;
  /**
   * Optional fast path of in-place updates (add_ with a scale, as optimizers run it): target[i] += alpha x[i] for
   * two handles of one dtype and size, in the dtype's arithmetic (float32 tensors: alpha and the product rounded to
   * float32). Returns false where it does not apply; the op then computes out of place and assigns.
   */
  addScaledInPlace?(target: unknown, x: unknown, alpha: number, dtype: DType): boolean;
  /**
   * Storage for a tensor that leaves every `tidy` scope (returned from the outermost, or kept): the same handle, or
   * a new one holding the same values (the CPU moves scope-only storage out of its kernels' wasm memory, releasing
   * the block). Optional.
   */
  relocate?(handle: unknown): unknown;
  memory(): MemoryInfo;
  readonly kernels: Map<string, KernelImplementation>;
}

// ---- registry -----------------------------------------------------------------------------------------------------
const backends = new Map<string, Backend>();
const backendFactories = new Map<string, () => Backend>();
let defaultBackendName = 'cpu';
const warnedFallbacks = new Set<string>();

/** Register a backend under its name. Importing `@nndl/tensor/webgl` calls this for 'webgl'. */
export function registerBackend(name: string, factory: () => Backend): void {
  backendFactories.set(name, factory);
  backends.delete(name);
}

export function listBackends(): string[] {
  return [...backendFactories.keys()];
}

/** The backend named `name` (default: the default backend), created on first use. */
export function getBackend(name: string = defaultBackendName): Backend {
  let backend = backends.get(name);
  if (backend) return backend;
  const factory = backendFactories.get(name);
  if (!factory) {
    throw new Error(
      `Unknown backend '${name}'. Registered backends: ${listBackends().join(', ') || 'none'}. ` +
        `For WebGL, import '@nndl/tensor/webgl' first.`,
    );
  }
  backend = factory();
  backends.set(name, backend);
  return backend;
}

/** Make `name` the device of newly created tensors. Throws if the backend cannot start. */
export function setDefaultBackend(name: string): void {
  getBackend(name);
  defaultBackendName = name;
}

export function getDefaultBackendName(): string {
  return defaultBackendName;
}

/**
 * Find `kernel` on `backend`. A kernel that the backend lacks runs on the CPU backend instead (the caller moves the
 * inputs), with a one-time warning naming the kernel; `null` means "run on the CPU".
 */
export function findKernel(backend: Backend, kernel: string): KernelFn | null {
  const impl = backend.kernels.get(kernel);
  if (impl) return impl.fn;
  if (backend.name === 'cpu') throw new Error(`Kernel '${kernel}' is not implemented on the CPU backend`);
  const key = `${backend.name}/${kernel}`;
  if (!warnedFallbacks.has(key)) {
    warnedFallbacks.add(key);
    console.warn(
      `nndl: kernel '${kernel}' is not implemented on backend '${backend.name}'; running it on the CPU.`,
    );
  }
  return null;
}
