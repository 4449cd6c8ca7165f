/**
 * The few tensor operations this package needs, in one place: batches are built as typed arrays and wrapped
 * once (asTensor shares the array), so no per-sample Tensor is made on the fast paths.
 */
import { asTensor, type Tensor } from '@nndl/tensor';

export type TensorArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A tensor as plain data: what crosses a worker boundary. */
export interface EncodedTensor {
  readonly __nndlTensor: true;
  data: TensorArray;
  shape: number[];
}

export function wrap(data: TensorArray, shape: readonly number[]): Tensor {
  return asTensor(data, [...shape]);
}

export function isTensor(value: unknown): value is Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Tensor).dataSync === 'function' &&
    Array.isArray((value as Tensor).shape)
  );
}

export function isTypedArray(value: unknown): value is TensorArray {
  return (
    value instanceof Float32Array ||
    value instanceof Float64Array ||
    value instanceof Int32Array ||
    value instanceof Uint8Array
  );
}

/**
 * Replace every Tensor in a tree of arrays/objects by its data and shape, collecting buffers to transfer.
 * Data that is a view of a larger or shared buffer is copied first: transferring would detach the rest.
 */
export function encodeTree(value: unknown, transfer: Transferable[]): unknown {
  if (isTensor(value)) {
    let data = value.dataSync() as TensorArray;
    const owns =
      !(data.buffer instanceof SharedArrayBuffer) &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      !transfer.includes(data.buffer);
    if (!owns) data = data.slice() as TensorArray;
    transfer.push(data.buffer as ArrayBuffer);
    const encoded: EncodedTensor = { __nndlTensor: true, data, shape: [...value.shape] };
    return encoded;
  }
  if (Array.isArray(value)) return value.map((item) => encodeTree(item, transfer));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = encodeTree(item, transfer);
    return out;
  }
  return value;
}

/** Undo encodeTree: wrap every encoded tensor (no copy). */
export function decodeTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeTree);
  if (isPlainObject(value)) {
    if ((value as Partial<EncodedTensor>).__nndlTensor === true) {
      const encoded = value as unknown as EncodedTensor;
      return wrap(encoded.data, encoded.shape);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = decodeTree(item);
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
