/**
 * Storage of the WebGL backend. A handle is a `WebGLStorage`: a small object that owns one tfjs tensor (one
 * reference to a tfjs data id, i.e. one texture). Views (reshape, view, detach) share the handle object, so an
 * in-place write (`assign`) swaps the tfjs tensor inside it and every view sees the new values, as in PyTorch.
 *
 * Why a tfjs tensor and not a bare data id: tfjs counts references per data id through its tensors, so owning one
 * tensor per handle lets tfjs share textures between handles (Identity, reshape) and free them exactly when the last
 * owner is disposed, with no bookkeeping of our own.
 *
 * Storage is released (1) by `dispose(handle)`, which the core calls when the last tensor viewing the storage is
 * disposed (tensor.dispose(), or the end of a tidy() scope), or (2) by a FinalizationRegistry when the handle object
 * is garbage-collected: a safety net only, as the collector does not know that a few bytes of handle pin megabytes
 * of texture, and runs late or never.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { DType } from '../../dtype.js';

/** The part of a handle that the finalizer may see (it must not reference the handle itself). */
interface Cell {
  tensor: tf.Tensor | null;
  bytes: number;
}

export class WebGLStorage {
  readonly cell: Cell;
  constructor(tensor: tf.Tensor, bytes: number) {
    this.cell = { tensor, bytes };
  }
}

export class StorageTracker {
  numHandles = 0;
  numBytes = 0;
  private readonly registry = new FinalizationRegistry<Cell>((cell) => this.release(cell));

  /** Own `tensor` through a new handle. */
  track(tensor: tf.Tensor, bytes: number): WebGLStorage {
    const handle = new WebGLStorage(tensor, bytes);
    this.numHandles++;
    this.numBytes += bytes;
    this.registry.register(handle, handle.cell, handle);
    return handle;
  }

  /** The live tfjs tensor of a handle; throws a clear error after disposal. */
  tensorOf(handle: unknown, shape: readonly number[], dtype: DType): tf.Tensor {
    if (!(handle instanceof WebGLStorage)) {
      throw new Error(
        `webgl: expected storage of the webgl backend, got ${handle === null ? 'null' : typeof handle}. ` +
          "Move the tensor with tensor.to('webgl') first.",
      );
    }
    const t = handle.cell.tensor;
    if (t === null) {
      throw new Error(
        `webgl: a tensor of shape [${shape.join(', ')}] (${dtype}) was used after its storage was disposed (by ` +
          'dispose() or at the end of a tidy() scope). Return it from the tidy callback, or keep() it, to use it ' +
          'afterwards.',
      );
    }
    return t;
  }

  /** Swap the tfjs tensor inside a handle (in-place writes); the old one is disposed. */
  replace(handle: WebGLStorage, tensor: tf.Tensor): void {
    const old = handle.cell.tensor;
    handle.cell.tensor = tensor;
    old?.dispose();
  }

  dispose(handle: unknown): void {
    if (!(handle instanceof WebGLStorage) || handle.cell.tensor === null) return;
    this.registry.unregister(handle);
    this.release(handle.cell);
  }

  private release(cell: Cell): void {
    if (cell.tensor === null) return;
    cell.tensor.dispose();
    cell.tensor = null;
    this.numHandles--;
    this.numBytes -= cell.bytes;
  }
}
