/**
 * The WebGL backend object: storage (handles owning tfjs tensors, see storage.ts) plus the kernel table of
 * kernels.ts. Reads are async by default (`read`); `readSync` blocks the thread until the GPU has finished.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backend, KernelImplementation, MemoryInfo } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { refuseFloat64, type WebGLKernelHost, webglKernels } from './kernels.js';
import type { WebGLCapabilities } from './startup.js';
import { StorageTracker, WebGLStorage } from './storage.js';

export class WebGLBackend implements Backend, WebGLKernelHost {
  readonly name = 'webgl';
  readonly kernels = new Map<string, KernelImplementation>();
  readonly storage = new StorageTracker();

  constructor(readonly capabilities: WebGLCapabilities) {
    for (const [name, fn] of Object.entries(webglKernels))
      this.kernels.set(name, { variant: 'tfjs-webgl', fn });
  }

  write(values: TypedArray, shape: Shape, dtype: DType): unknown {
    refuseFloat64('webgl', dtype);
    // tfjs keeps the array until the first upload; the contract lets the backend keep it.
    return this.storage.track(tf.tensor(values, shape.slice(), dtype as tf.DataType), values.length * 4);
  }

  async read(handle: unknown, dtype: DType): Promise<TypedArray> {
    const values = await this.storage.tensorOf(handle, [], dtype).data();
    // tfjs caches downloaded values and returns the cache itself: hand out a copy.
    return (values as TypedArray).slice();
  }

  readSync(handle: unknown, dtype: DType): TypedArray {
    return (this.storage.tensorOf(handle, [], dtype).dataSync() as TypedArray).slice();
  }

  assign(target: unknown, values: unknown, dtype: DType): void {
    const source = this.storage.tensorOf(values, [], dtype);
    this.storage.tensorOf(target, [], dtype);
    // Share the source's texture (tfjs counts the reference); the target's old texture is released.
    this.storage.replace(target as WebGLStorage, tf.clone(source));
  }

  dispose(handle: unknown): void {
    this.storage.dispose(handle);
  }

  memory(): MemoryInfo {
    return { numHandles: this.storage.numHandles, numBytes: this.storage.numBytes };
  }
}

export { WebGLStorage };
