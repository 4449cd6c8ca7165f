/**
 * A node of the autograd graph: the backward of one op application. `next[i]` says where the gradient of input i
 * goes: the input's own node, the input itself when it is a leaf that requires grad, or nowhere (null).
 */
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad_mode.js';

/** Returns the gradient for each input (null/undefined where none flows). */
export type BackwardFn = (
  gradOutput: Tensor,
  needsInputGrad: readonly boolean[],
) => readonly (Tensor | null | undefined)[];

export type GradHook = (grad: Tensor) => Tensor | undefined | void;

export interface RemovableHandle {
  remove(): void;
}

export class Node {
  /** e.g. 'MulBackward', as PyTorch's grad_fn names. */
  readonly name: string;
  readonly next: (Node | Tensor | null)[];
  private backwardFn: BackwardFn | null;
  private readonly saved: readonly Tensor[];
  private readonly savedVersions: readonly number[];
  /** Hooks on the output tensor of this node (registerHook on a non-leaf). */
  readonly hooks: GradHook[] = [];
  /** The output tensor, kept only after retainGrad(). */
  retained: Tensor | null = null;

  constructor(
    name: string,
    next: (Node | Tensor | null)[],
    backwardFn: BackwardFn,
    saved: readonly Tensor[],
  ) {
    this.name = name;
    this.next = next;
    this.backwardFn = backwardFn;
    this.saved = saved;
    this.savedVersions = saved.map((t) => t._version.value);
  }

  get freed(): boolean {
    return this.backwardFn === null;
  }

  /** Run the backward of this node, checking that nothing it saved was modified in place since. */
  apply(gradOutput: Tensor): readonly (Tensor | null | undefined)[] {
    const fn = this.backwardFn;
    if (fn === null) {
      throw new Error(
        `${this.name}: trying to backward through the graph a second time (or to use saved tensors after they were ` +
          'freed). Saved values are freed when you call backward() or autograd.grad(); pass { retainGraph: true } ' +
          'to the first call if you need to backward through the graph again.',
      );
    }
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i]!;
      if (t._version.value !== this.savedVersions[i]) {
        throw new Error(
          `${this.name}: one of the tensors needed for gradient computation has been modified by an in-place ` +
            `operation: a tensor of shape [${t.shape.join(', ')}] is at version ${t._version.value}; expected version ` +
            `${this.savedVersions[i]}. Use the out-of-place op (e.g. mul instead of mul_), or clone() the tensor ` +
            'before changing it.',
        );
      }
    }
    return fn(
      gradOutput,
      this.next.map((n) => n !== null),
    );
  }

  /** Free what backward needed (the closure and the tensors it captured). */
  release(): void {
    this.backwardFn = null;
  }

  toString(): string {
    return `<${this.name}>`;
  }
}

/**
 * Record `output` as computed from `inputs` by an op whose backward is `backward`. A no-op when grad mode is off or
 * no input requires grad. `saved` lists the tensors the backward reads, for the in-place version check.
 */
export function record(
  name: string,
  inputs: readonly Tensor[],
  output: Tensor,
  backward: BackwardFn,
  saved: readonly Tensor[] = inputs,
): Tensor {
  if (!isGradEnabled()) return output;
  let any = false;
  const next: (Node | Tensor | null)[] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.gradFn !== null) {
      next[i] = t.gradFn;
      any = true;
    } else if (t.requiresGrad) {
      next[i] = t;
      any = true;
    } else next[i] = null;
  }
  if (!any) return output;
  output.gradFn = new Node(name, next, backward, saved);
  return output;
}

/** True when an op on these inputs will be recorded. */
export function needsGrad(a: Tensor, b?: Tensor, c?: Tensor): boolean {
  return isGradEnabled() && (a.requiresGrad || (b?.requiresGrad ?? false) || (c?.requiresGrad ?? false));
}
