/** Parameters whose storage is a view into one SharedArrayBuffer, in `parameters()` order. */
import type { Parameter } from '@nndl/nn';

/**
 * Point each parameter's storage at its slice of `buffer` (float32, in order). When `copyIn` is true the current
 * values are copied into the buffer first (the main thread); replicas just attach. Returns the total size.
 */
export function attachShared(
  params: readonly Parameter[],
  buffer: SharedArrayBuffer,
  copyIn = false,
): number {
  let offset = 0;
  for (const p of params) {
    if (p.dtype !== 'float32') {
      throw new Error(
        `data-parallel training needs float32 parameters; a parameter of shape [${p.shape.join(', ')}] is ${p.dtype}`,
      );
    }
    const n = p.numel();
    const view = new Float32Array(buffer, offset * 4, n);
    if (copyIn) view.set(p.dataSync() as Float32Array);
    p.handle = view;
    offset += n;
  }
  return offset;
}

export function parameterCount(params: readonly Parameter[]): number {
  return params.reduce((n, p) => n + p.numel(), 0);
}
