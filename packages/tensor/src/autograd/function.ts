/**
 * Custom differentiable functions, as torch.autograd.Function: subclass with static `forward(ctx, ...args)` and
 * `backward(ctx, gradOutput)`, call with `apply`.
 *
 * @example
 * class Exp extends autograd.Function {
 *   static forward(ctx: FunctionCtx, x: Tensor) { const y = x.exp(); ctx.saveForBackward(y); return y; }
 *   static backward(ctx: FunctionCtx, g: Tensor) { const [y] = ctx.savedTensors; return g.mul(y!); }
 * }
 * const y = Exp.apply(x);
 */
import { Tensor } from '../tensor.js';
import { isGradEnabled, noGrad } from './grad_mode.js';
import { record } from './node.js';

export class FunctionCtx {
  /** For each argument of forward: whether a gradient is needed for it. */
  needsInputGrad: boolean[] = [];
  private saved: Tensor[] = [];
  private released = false;
  /** Any other values backward needs (shapes, options). */
  [key: string]: unknown;

  /** Keep tensors for backward; they are checked against in-place changes. */
  saveForBackward(...tensors: Tensor[]): void {
    this.saved = tensors;
  }
  get savedTensors(): Tensor[] {
    if (this.released) {
      throw new Error(
        'savedTensors: the saved tensors were freed by an earlier backward. Pass { retainGraph: true } to backward ' +
          'if you need to backward through this graph again.',
      );
    }
    return this.saved;
  }
  /** @internal */
  _savedList(): Tensor[] {
    return this.saved;
  }
}

type GradResult = Tensor | null | undefined | readonly (Tensor | null | undefined)[];

export class AutogradFunction {
  /** Compute the output from the inputs (runs with gradient recording off). */
  static forward(_ctx: FunctionCtx, ..._args: never[]): Tensor {
    throw new Error(
      `${this.name}.forward is not implemented: subclasses of Function define static forward(ctx, ...args)`,
    );
  }

  /** Return one gradient per forward argument (null for non-tensors or inputs that need none). */
  static backward(_ctx: FunctionCtx, _gradOutput: Tensor): GradResult {
    throw new Error(
      `${this.name}.backward is not implemented: subclasses of Function define static backward(ctx, grad)`,
    );
  }

  /** Run forward and record the function in the graph. */
  static apply<T extends typeof AutogradFunction>(
    this: T,
    ...args: Parameters<T['forward']> extends [FunctionCtx, ...infer A] ? A : unknown[]
  ): Tensor {
    const ctx = new FunctionCtx();
    const list = args as unknown[];
    ctx.needsInputGrad = list.map((a) => a instanceof Tensor && a.requiresGrad && isGradEnabled());
    const output = noGrad(() => (this.forward as (c: FunctionCtx, ...a: unknown[]) => Tensor)(ctx, ...list));
    if (!(output instanceof Tensor)) throw new Error(`${this.name}.forward must return a Tensor`);
    const tensorArgs: Tensor[] = [];
    const positions: number[] = [];
    list.forEach((a, i) => {
      if (a instanceof Tensor) {
        tensorArgs.push(a);
        positions.push(i);
      }
    });
    // The output of forward is a fresh tensor owned by this function (a detached alias if forward returned an input).
    const out = output.gradFn === null && !tensorArgs.includes(output) ? output : output.detach();
    const name = `${this.name}Backward`;
    record(
      name,
      tensorArgs,
      out,
      (g) => {
        const result = this.backward(ctx, g);
        const grads = Array.isArray(result) ? result : [result];
        if (grads.length !== list.length && !(grads.length === 1 && tensorArgs.length === 1)) {
          throw new Error(
            `function ${name} returned an incorrect number of gradients (expected ${list.length}, got ${grads.length})`,
          );
        }
        const byTensor = grads.length === list.length ? positions.map((p) => grads[p]) : grads;
        return byTensor.map((gr, i) => {
          if (gr && tensorArgs[i] && gr.shape.join() !== tensorArgs[i].shape.join()) {
            throw new Error(
              `function ${name} returned a gradient of shape [${gr.shape.join(', ')}] for input ${positions[i]} of ` +
                `shape [${tensorArgs[i].shape.join(', ')}]`,
            );
          }
          return gr ?? null;
        });
      },
      ctx._savedList(),
    );
    return out;
  }
}
