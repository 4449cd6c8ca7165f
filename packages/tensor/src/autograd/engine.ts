/**
 * The backward pass: a topological order over the graph of Nodes reachable from the outputs, then one reversed
 * sweep that calls each node's backward once all gradients for its output have arrived (as micrograd and PyTorch).
 */
import { tidy } from '../scope.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor, VersionCounter } from '../tensor.js';
import { enableGrad, noGrad } from './grad_mode.js';
import { Node } from './node.js';

export interface BackwardOptions {
  /** Keep the graph's saved tensors so that backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward computation itself, for higher-order gradients. */
  createGraph?: boolean;
}

export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (default: ones for scalar outputs). */
  gradOutputs?: readonly (Tensor | null)[];
  /** Return null for inputs that the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

type Key = Node | Tensor;

function accumulate(map: Map<Key, Tensor>, key: Key, grad: Tensor): void {
  const previous = map.get(key);
  map.set(key, previous === undefined ? grad : previous.add(grad));
}

function runHooks(hooks: readonly ((g: Tensor) => Tensor | undefined | void)[], grad: Tensor): Tensor {
  for (const hook of hooks) {
    const replaced = hook(grad);
    if (replaced !== undefined && replaced !== null) {
      if (!shapesEqual(replaced.shape, grad.shape)) {
        throw new Error(
          `registerHook: a hook returned a gradient of shape ${formatShape(replaced.shape)}; expected ` +
            `${formatShape(grad.shape)}`,
        );
      }
      grad = replaced;
    }
  }
  return grad;
}

function defaultGradient(output: Tensor, op: string): Tensor {
  if (output.numel() !== 1) {
    throw new Error(
      `${op}: grad can be implicitly created only for scalar outputs, but the output has shape ` +
        `${formatShape(output.shape)}. Pass a gradient of that shape, e.g. y.backward(onesLike(y)), or reduce the ` +
        'output first (y.sum().backward()).',
    );
  }
  return output.onesLike();
}

/**
 * Propagate gradients from `outputs`. When `inputs` is given (autograd.grad), returns their gradients and leaves
 * `.grad` untouched; otherwise accumulates into the `.grad` of every leaf reached.
 */
function run(
  outputs: readonly Tensor[],
  gradOutputs: readonly (Tensor | null | undefined)[],
  options: GradOptions,
  inputs: readonly Tensor[] | null,
  op: string,
): (Tensor | null)[] | null {
  const retainGraph = options.retainGraph ?? options.createGraph ?? false;
  const createGraph = options.createGraph ?? false;
  const grads = new Map<Key, Tensor>();
  const roots: Node[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const out = outputs[i]!;
    if (!out.requiresGrad) {
      throw new Error(
        `${op}: element ${i} of the outputs does not require grad and has no gradFn. Set requiresGrad on the ` +
          'leaf tensors you differentiate with respect to (tensor(x, { requiresGrad: true })), and compute the ' +
          'output outside noGrad().',
      );
    }
    let g = gradOutputs[i] ?? defaultGradient(out, op);
    if (!shapesEqual(g.shape, out.shape)) {
      throw new Error(
        `${op}: gradient of shape ${formatShape(g.shape)} does not match the output's shape ${formatShape(out.shape)}`,
      );
    }
    if (g.dtype !== out.dtype) g = g.to(out.dtype);
    const key: Key = out.gradFn ?? out;
    accumulate(grads, key, g);
    if (out.gradFn) roots.push(out.gradFn);
  }

  // Count, for each node, how many edges point to it from nodes reachable from the roots.
  const dependencies = new Map<Node, number>();
  const seen = new Set<Node>();
  const stack = [...roots];
  for (const r of roots) seen.add(r);
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const n of node.next) {
      if (n instanceof Node) {
        dependencies.set(n, (dependencies.get(n) ?? 0) + 1);
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
  }

  const wanted = inputs ? new Set<Key>(inputs.map((t) => t.gradFn ?? t)) : null;
  const captured = new Map<Key, Tensor>();
  const kept: Tensor[] = [];
  const ready = [...new Set(roots)].filter((r) => !dependencies.has(r));
  const body = () => {
    while (ready.length > 0) {
      const node = ready.pop()!;
      let g = grads.get(node);
      grads.delete(node);
      let inputGrads: readonly (Tensor | null | undefined)[] = [];
      if (g !== undefined) {
        if (node.hooks.length > 0) g = runHooks(node.hooks, g);
        if (node.retained && !inputs) {
          const t = node.retained;
          const gr = g;
          t.grad = createGraph ? (t.grad ? t.grad.add(gr) : gr) : accumulateInto(t.grad, gr);
          kept.push(t.grad);
        }
        if (wanted?.has(node)) captured.set(node, g);
        inputGrads = node.apply(g);
        if (!retainGraph) node.release();
      }
      // Even when no gradient reached this node, its inputs' nodes must be told one fewer edge is pending.
      for (let i = 0; i < node.next.length; i++) {
        const n = node.next[i]!;
        const ig = inputGrads[i];
        if (n === null) continue;
        if (n instanceof Node) {
          if (ig) accumulate(grads, n, ig);
          const left = dependencies.get(n)! - 1;
          dependencies.set(n, left);
          if (left === 0) ready.push(n);
        } else if (ig) {
          accumulate(grads, n, ig);
        }
      }
    }
  };
  const propagate = (): { results: (Tensor | null)[] | null; kept: Tensor[] } => {
    if (createGraph) enableGrad(body);
    else noGrad(body);

    // What is left in `grads` is keyed by leaves.
    if (inputs) {
      const results = inputs.map((t, i) => {
        const key = t.gradFn ?? t;
        let g = key instanceof Node ? captured.get(key) : grads.get(key);
        if (g !== undefined && !(key instanceof Node) && t._hooks.length > 0) g = runHooks(t._hooks, g);
        if (g === undefined) {
          if (options.allowUnused) return null;
          throw new Error(
            `autograd.grad: input ${i} (shape ${formatShape(t.shape)}) was not used to compute the outputs. ` +
              'Pass { allowUnused: true } to get null for it instead.',
          );
        }
        return createGraph ? g : g.detach();
      });
      return { results, kept: results.filter((t): t is Tensor => t !== null) };
    }
    // Storage records a leaf's new .grad may not take over: the caller's gradients, and gradients already handed out.
    const taken = new Set<VersionCounter>();
    for (const g of gradOutputs) if (g) taken.add(g._version);
    for (const [key, g0] of grads) {
      if (key instanceof Node) continue;
      const leaf = key;
      const hooked = leaf._hooks.length > 0;
      const g = hooked ? runHooks(leaf._hooks, g0) : g0;
      if (createGraph) leaf.grad = leaf.grad ? leaf.grad.add(g) : g;
      else if (leaf.grad && !leaf.grad.isDisposed) leaf.grad = noGrad(() => leaf.grad!.add_(g));
      else {
        // As PyTorch's AccumulateGrad, take the gradient over when nothing else can see its storage (a fresh kernel
        // result: one reference, not the caller's, not already given to another leaf, not from a hook); otherwise
        // clone it, so that an optimizer changing .grad in place never changes another tensor.
        const exclusive = !hooked && g._version.refs === 1 && !taken.has(g._version);
        leaf.grad = exclusive ? g : noGrad(() => g.clone());
      }
      taken.add(leaf.grad._version);
      kept.push(leaf.grad);
    }
    return { results: null, kept };
  };
  // On backends whose memory the garbage collector cannot see (WebGL), every temporary of the backward pass is
  // freed when it ends; only the gradients it hands out survive. The CPU skips the bookkeeping.
  const explicitMemory = !createGraph && outputs.some((o) => o._backend.name !== 'cpu');
  return (explicitMemory ? tidy(propagate) : propagate()).results;
}

/**
 * Add a gradient into a `.grad` in place (as PyTorch's AccumulateGrad), or clone it on first assignment: the same
 * gradient tensor may reach several leaves (add passes it through), and `.grad` must not alias a tensor that an
 * optimizer or another leaf later changes in place.
 */
function accumulateInto(existing: Tensor | null, g: Tensor): Tensor {
  return noGrad(() => (existing && !existing.isDisposed ? existing.add_(g) : g.clone()));
}

/** tensor.backward(): accumulate d(output)/d(leaf) into every leaf's `.grad`. */
export function backward(output: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  run([output], [gradient], options, null, 'backward');
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned instead of accumulated into `.grad`.
 *
 * @example
 * const [dx] = autograd.grad(x.pow(2).sum(), [x]); // 2x
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  for (const [i, t] of ins.entries()) {
    if (!t.requiresGrad) {
      throw new Error(`autograd.grad: input ${i} (shape ${formatShape(t.shape)}) does not require grad`);
    }
  }
  const gradOutputs = options.gradOutputs ?? [];
  if (gradOutputs.length !== 0 && gradOutputs.length !== outs.length) {
    throw new Error(`autograd.grad: got ${gradOutputs.length} gradOutputs for ${outs.length} outputs`);
  }
  return run(outs, gradOutputs, options, ins, 'autograd.grad')!;
}
