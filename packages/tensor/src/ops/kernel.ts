/** Running backend kernels from ops: device checks, CPU fallback, and operand preparation. */
import { type Backend, findKernel, getBackend, type TensorInfo } from '../backend.js';
import { type DType, isFloating, promoteTypes } from '../dtype.js';
import * as K from '../kernel_names.js';
import { sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Run kernel `name` on the inputs' device and wrap the result in a new Tensor (no autograd recording). With
 * `outShape`, the result is wrapped with that shape instead of the kernel's (same number of elements): a fresh
 * tensor that owns its storage, where a reshape would make a view.
 */
export function runKernel(
  name: string,
  inputs: readonly KernelOperand[],
  attrs: object = {},
  device?: Backend,
  outShape?: readonly number[],
): Tensor {
  const backend = device ?? inputs[0]?._backend ?? getBackend();
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i]!._disposed) {
      throw new Error(
        `${name}: input ${i} (shape [${inputs[i]!.shape.join(', ')}]) was used after dispose()`,
      );
    }
    if (i === 0) continue;
    if (inputs[i]!._backend !== backend) {
      throw new Error(
        `${name}: expected all tensors on the same device, got '${backend.name}' and '${inputs[i]!._backend.name}'. ` +
          `Move them with tensor.to('${backend.name}').`,
      );
    }
  }
  const fn = findKernel(backend, name);
  if (fn !== null) {
    const out = fn(inputs as readonly TensorInfo[], attrs as never, backend);
    return new Tensor(
      out.handle,
      outShape ? reshapedTo(name, out.shape, outShape) : out.shape,
      out.dtype,
      backend,
    );
  }
  // The backend lacks this kernel: run it on the CPU and move the result back.
  const cpu = getBackend('cpu');
  const cpuInputs = inputs.map((t) => ({
    handle: t._backend.readSync(t.handle, t.dtype),
    shape: t.shape,
    dtype: t.dtype,
  }));
  const out = findKernel(cpu, name)!(cpuInputs, attrs as never, cpu);
  const values = cpu.readSync(out.handle, out.dtype);
  // The CPU result is not a tensor's storage: give it back (a block of the kernels' wasm memory was read as a copy).
  cpu.dispose(out.handle);
  const shape = outShape ? reshapedTo(name, out.shape, outShape) : out.shape;
  return new Tensor(backend.write(values, shape, out.dtype), shape, out.dtype, backend);
}

function reshapedTo(name: string, shape: readonly number[], outShape: readonly number[]): number[] {
  if (sizeOf(shape) !== sizeOf(outShape)) {
    throw new Error(`${name}: internal error, cannot wrap a result of shape [${shape}] as [${outShape}]`);
  }
  return outShape.slice();
}

/** What runKernel needs of an input: its storage, shape and dtype, and where it lives. A Tensor is one. */
export type KernelOperand = Pick<Tensor, 'handle' | 'shape' | 'dtype' | '_backend' | '_disposed'>;

/**
 * `t` seen with another shape of the same size, as a kernel operand only: no Tensor, no view, no autograd node (the
 * caller records the op itself). Fused ops use it to hand kernels 3-D or broadcastable operands.
 */
export function operandAs(t: Tensor, shape: readonly number[]): KernelOperand {
  if (sizeOf(shape) !== t.numel()) {
    throw new Error(`internal error: operandAs cannot see [${t.shape}] as [${shape}]`);
  }
  return { handle: t.handle, shape, dtype: t.dtype, _backend: t._backend, _disposed: t._disposed };
}

/** A scalar operand as a 0-d tensor on `like`'s device, with the dtype PyTorch would give the pair. */
export function scalarLike(value: number | boolean, like: Tensor): Tensor {
  const v = Number(value);
  let dtype: DType = like.dtype;
  if (!isFloating(dtype)) {
    if (typeof value === 'boolean') dtype = like.dtype;
    else if (!Number.isInteger(v)) dtype = 'float32';
    else if (dtype === 'bool') dtype = 'int32';
  }
  return runKernel(K.Fill, [], { shape: [], value: v, dtype }, like._backend);
}

export type Operand = Tensor | number | boolean;

/** Turn a pair of operands into two tensors of one dtype (PyTorch's promotion; scalars adopt the tensor's type). */
export function binaryOperands(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  let x: Tensor;
  let y: Tensor;
  if (a instanceof Tensor) {
    x = a;
    y = b instanceof Tensor ? b : scalarLike(b, a);
  } else if (b instanceof Tensor) {
    y = b;
    x = scalarLike(a, b);
  } else {
    throw new Error(`${op}: expected at least one tensor operand, got ${typeof a} and ${typeof b}`);
  }
  if (x.dtype !== y.dtype) {
    // A 0-d tensor does not promote a higher-dimensional float tensor (float32 + 0-d float64 stays float32).
    const dtype =
      x.ndim === 0 && y.ndim > 0 && isFloating(y.dtype)
        ? y.dtype
        : y.ndim === 0 && x.ndim > 0 && isFloating(x.dtype)
          ? x.dtype
          : promoteTypes(x.dtype, y.dtype);
    if (x.dtype !== dtype) x = x.to(dtype);
    if (y.dtype !== dtype) y = y.to(dtype);
  }
  return [x, y];
}

export function assertFloating(x: Tensor, op: string): void {
  if (!isFloating(x.dtype)) {
    throw new Error(
      `${op}: expected a floating-point tensor, got dtype ${x.dtype}. Convert it first with .float().`,
    );
  }
}
