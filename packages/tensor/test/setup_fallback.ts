/**
 * Runs the whole suite on 'cpu-fallback': a backend with its own storage and no kernels at all, so that every op
 * goes through the missing-kernel path (inputs read to the CPU, the CPU kernel run, the result written back).
 * It proves the conformance suite is backend-agnostic and that the fallback gives the CPU's exact results.
 */
import { type Backend, registerBackend, setDefaultBackend, type TypedArray } from '@nndl/tensor';
import { vi } from 'vitest';

class FallbackBackend implements Backend {
  readonly name = 'cpu-fallback';
  readonly kernels = new Map();
  write(values: TypedArray) {
    // A distinct storage object, so that code which confuses the handle with the array is caught.
    return { values };
  }
  async read(handle: unknown) {
    return (handle as { values: TypedArray }).values;
  }
  readSync(handle: unknown) {
    return (handle as { values: TypedArray }).values;
  }
  assign(target: unknown, values: unknown) {
    (target as { values: TypedArray }).values.set((values as { values: TypedArray }).values);
  }
  dispose() {}
  memory() {
    return { numHandles: 0, numBytes: 0 };
  }
}

registerBackend('cpu-fallback', () => new FallbackBackend());
setDefaultBackend('cpu-fallback');
// One warning per missing kernel is expected here; keep the output readable.
vi.spyOn(console, 'warn').mockImplementation(() => undefined);
