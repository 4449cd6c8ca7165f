import { stack, type Tensor } from '@nndl/tensor';
import { isPlainObject, isTensor, isTypedArray, type TensorArray, wrap } from './tensors.js';

/**
 * Merge a list of samples into a batch, as torch's default_collate: tensors are stacked along a new first
 * dimension; numbers become a tensor (int32 when all are integers, else float32); typed arrays are stacked into a
 * [batch, length] tensor; strings stay a list; arrays (tuples) and plain objects are collated position by
 * position and key by key.
 *
 * @example
 * defaultCollate([[tensorA, 3], [tensorB, 7]]); // [stack([tensorA, tensorB]), tensor([3, 7], int32)]
 */
export function defaultCollate(samples: readonly unknown[], path = 'batch'): unknown {
  if (samples.length === 0) throw new Error('defaultCollate: got no samples');
  const first = samples[0];
  if (isTensor(first)) {
    for (const [i, s] of samples.entries()) {
      if (!isTensor(s)) throw mixed(path, i, s);
      if (s.shape.join(',') !== first.shape.join(',')) {
        throw new Error(
          `defaultCollate: can't stack ${path}: sample 0 has shape [${first.shape.join(', ')}], sample ${i} has ` +
            `[${s.shape.join(', ')}]`,
        );
      }
    }
    return stack(samples as Tensor[], 0);
  }
  if (typeof first === 'number') {
    let integers = true;
    for (const [i, s] of samples.entries()) {
      if (typeof s !== 'number') throw mixed(path, i, s);
      if (!Number.isInteger(s) || s > 2147483647 || s < -2147483648) integers = false;
    }
    const numbers = samples as number[];
    return wrap(integers ? Int32Array.from(numbers) : Float32Array.from(numbers), [samples.length]);
  }
  if (typeof first === 'string') return [...samples];
  if (isTypedArray(first)) {
    const out = new (first.constructor as new (n: number) => TensorArray)(samples.length * first.length);
    for (const [i, s] of samples.entries()) {
      if (!isTypedArray(s) || s.length !== first.length) throw mixed(path, i, s);
      out.set(s, i * first.length);
    }
    return wrap(out, [samples.length, first.length]);
  }
  if (Array.isArray(first)) {
    return first.map((_, position) =>
      defaultCollate(
        samples.map((s, i) => {
          if (!Array.isArray(s) || s.length !== first.length) {
            throw new Error(
              `defaultCollate: ${path}: sample 0 has ${first.length} elements, sample ${i} has ` +
                `${Array.isArray(s) ? s.length : typeof s}`,
            );
          }
          return s[position];
        }),
        `${path}[${position}]`,
      ),
    );
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = defaultCollate(
        samples.map((s, i) => {
          if (!isPlainObject(s) || !(key in s))
            throw new Error(`defaultCollate: ${path}: sample ${i} lacks "${key}"`);
          return s[key];
        }),
        `${path}.${key}`,
      );
    }
    return out;
  }
  throw new Error(
    `defaultCollate: ${path}: don't know how to collate ${first === null ? 'null' : typeof first}; ` +
      'expected tensors, numbers, strings, typed arrays, arrays or plain objects (pass your own collate)',
  );
}

function mixed(path: string, index: number, value: unknown): Error {
  return new Error(
    `defaultCollate: ${path}: sample ${index} is ${isTensor(value) ? 'a Tensor' : typeof value}, unlike sample 0`,
  );
}
