/**
 * In-place ops. The new values are computed out of place and written into the tensor's storage; its version counter
 * is bumped so that a backward that saved the old values refuses to run. With autograd on, the tensor's history is
 * rebased onto the op (as PyTorch does).
 */
import { isGradEnabled } from '../autograd/grad_mode.js';
import type { Node } from '../autograd/node.js';
import { allocate, isFloating } from '../dtype.js';
import * as K from '../kernel_names.js';
import { defaultGenerator, type Generator } from '../random.js';
import { formatShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { add, cast } from './elementwise.js';
import { runKernel } from './kernel.js';
import { clone, expand } from './shape.js';

/**
 * In-place ops on views are refused while gradients are recorded: the write would change the base tensor's values
 * without its history, so the gradient would silently miss the op (PyTorch tracks view bases to support this; we
 * don't, and an error is better than a wrong gradient).
 */
function checkView(target: Tensor, op: string, tracked: boolean): void {
  const base = target._viewOf;
  if (!isGradEnabled() || base === null) return;
  if (tracked || base.requiresGrad) {
    throw new Error(
      `${op}: in-place operation on a view (made by reshape/view/squeeze/unsqueeze/flatten) of a tensor that is part ` +
        'of the autograd graph. The gradient would miss the change to the base tensor. Apply the op to the base ' +
        'tensor, use the out-of-place op (e.g. mul instead of mul_), or clone() the view first.',
    );
  }
}

function checkLeaf(target: Tensor, op: string): void {
  if (isGradEnabled() && target.isLeaf && target.requiresGrad) {
    throw new Error(
      `${op}: a leaf tensor that requires grad is being used in an in-place operation. Wrap the update in ` +
        `noGrad(() => ...) as optimizers do, or use the out-of-place op.`,
    );
  }
}

function write(target: Tensor, result: Tensor, op: string): void {
  target.checkAlive(op);
  if (!shapesEqual(result.shape, target.shape)) {
    throw new Error(
      `${op}: output with shape ${formatShape(target.shape)} doesn't match the broadcast shape ${formatShape(result.shape)}`,
    );
  }
  if (result.dtype !== target.dtype) {
    if (isFloating(result.dtype) && !isFloating(target.dtype)) {
      throw new Error(
        `${op}: result type ${result.dtype} can't be cast to the desired output type ${target.dtype}`,
      );
    }
    result = cast(result, target.dtype);
  }
  target._backend.assign(target.handle, result.handle, target.dtype);
  target._version.value++;
}

/** Move what belongs to the tensor (retainGrad, hooks) from its old node to the node an in-place op gave it. */
function rebase(target: Tensor, next: Node): void {
  const previous = target.gradFn;
  if (previous && previous !== next) {
    if (previous.retained === target) {
      previous.retained = null;
      next.retained = target;
    }
    next.hooks.push(...previous.hooks.splice(0));
  }
  target.gradFn = next;
}

/**
 * Compute `compute(target)` and store it into `target`. `others` are the op's other operands: when any of them (or
 * the target) requires grad, the op is recorded.
 */
export function inplace<T extends Tensor>(
  target: T,
  op: string,
  compute: (x: Tensor) => Tensor,
  others: readonly unknown[] = [],
): T {
  checkLeaf(target, op);
  const tracked =
    isGradEnabled() && (target.requiresGrad || others.some((o) => o instanceof Tensor && o.requiresGrad));
  checkView(target, op, tracked);
  // When the op is recorded, it must not save the storage we are about to overwrite: give it a snapshot that carries
  // the target's history instead.
  let input: Tensor = target;
  if (tracked) {
    input = runKernel(K.Identity, [target]);
    input.gradFn = target.gradFn;
    if (input.gradFn === null && target.requiresGrad) input.requiresGrad_(true);
  }
  const result = compute(input);
  write(target, result, op);
  if (isGradEnabled() && result.gradFn !== null) rebase(target, result.gradFn);
  return target;
}

/**
 * target += alpha * other (add_ and sub_). When autograd does not record it and both are one shape, dtype and
 * device, the backend's addScaledInPlace updates the storage directly (one pass, no temporary); otherwise it is the
 * general in-place op.
 */
export function addScaled_<T extends Tensor>(
  target: T,
  other: Tensor | number,
  alpha: number,
  op: string,
): T {
  const backend = target._backend;
  if (
    other instanceof Tensor &&
    backend.addScaledInPlace !== undefined &&
    !(isGradEnabled() && (target.requiresGrad || other.requiresGrad)) &&
    // A view of a tensor in the graph takes the general path, whose checks refuse the write (see checkView).
    !(isGradEnabled() && target._viewOf?.requiresGrad) &&
    !target._disposed &&
    !other._disposed &&
    other._backend === backend &&
    other.dtype === target.dtype &&
    shapesEqual(other.shape, target.shape) &&
    backend.addScaledInPlace(target.handle, other.handle, alpha, target.dtype)
  ) {
    target._version.value++;
    if (isGradEnabled()) target.gradFn = null;
    return target;
  }
  return inplace(
    target,
    op,
    (x) => (typeof other === 'number' ? add(x, other * alpha) : add(x, other, alpha)),
    [other],
  );
}

/** Copy src (broadcast, converted to the target's dtype) into target. */
export function copy_<T extends Tensor>(target: T, src: Tensor): T {
  checkLeaf(target, 'copy_');
  const tracked = isGradEnabled() && src.requiresGrad;
  checkView(target, 'copy_', tracked);
  let values = src;
  if (values._backend !== target._backend) values = values.to(target.device);
  values = cast(expand(values, target.shape), target.dtype);
  // A leaf source has no node of its own: record the copy so the gradient reaches it.
  if (tracked && values.gradFn === null) values = clone(values);
  write(target, values, 'copy_');
  if (tracked && values.gradFn) rebase(target, values.gradFn);
  else if (isGradEnabled()) target.gradFn = null;
  return target;
}

export function fill_<T extends Tensor>(target: T, value: number, op: string): T {
  checkLeaf(target, op);
  const values = runKernel(
    K.Fill,
    [],
    { shape: target.shape.slice(), value, dtype: target.dtype },
    target._backend,
  );
  write(target, values, op);
  // Gradient does not flow through a filled tensor.
  target.gradFn = null;
  return target;
}

function randomFill<T extends Tensor>(
  target: T,
  op: string,
  sample: (g: Generator) => number,
  generator: Generator,
): T {
  checkLeaf(target, op);
  target.checkAlive(op);
  if (!isFloating(target.dtype))
    throw new Error(`${op}: expected a floating-point tensor, got ${target.dtype}`);
  const n = target.numel();
  const values = allocate(target.dtype, n);
  for (let i = 0; i < n; i++) values[i] = sample(generator);
  const temporary = target._backend.write(values, target.shape, target.dtype);
  target._backend.assign(target.handle, temporary, target.dtype);
  if (temporary !== target.handle) target._backend.dispose(temporary);
  target._version.value++;
  target.gradFn = null;
  return target;
}

/** Fill with samples of U(low, high). */
export function uniform_<T extends Tensor>(target: T, low = 0, high = 1, generator = defaultGenerator): T {
  if (!(high >= low)) throw new Error(`uniform_: expects low <= high, but found low=${low} > high=${high}`);
  return randomFill(target, 'uniform_', (g) => low + (high - low) * g.random(), generator);
}

/** Fill with samples of N(mean, std^2). */
export function normal_<T extends Tensor>(target: T, mean = 0, std = 1, generator = defaultGenerator): T {
  if (!(std >= 0)) throw new Error(`normal_: expects std >= 0.0, but found std ${std}`);
  return randomFill(target, 'normal_', (g) => mean + std * g.normal(), generator);
}
