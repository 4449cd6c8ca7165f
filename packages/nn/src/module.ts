/**
 * Module: the base class of layers and models, as torch.nn.Module.
 *
 * Registration is automatic and needs no bookkeeping: a module's parameters, buffers and children ARE its own
 * enumerable fields, discovered by walking them in property order (declaration/assignment order; integer-like keys,
 * as in ModuleList, come first in ascending order as JavaScript orders them):
 * - a `Parameter` field is a parameter,
 * - a `Module` field is a child,
 * - any other `Tensor` field is a buffer (saved in the state dict unless registered with `{ persistent: false }`),
 * - `null` fields are skipped (e.g. `bias = null` when a layer has no bias).
 * No Proxy and no setter run on assignment, so `forward` stays as fast as plain field access. Names chosen at run
 * time go through `registerParameter`, `registerBuffer` and `addModule`. An array of modules or parameters in a field
 * is refused with a pointer to ModuleList (an array would be silently skipped by PyTorch; here it is an error).
 *
 * JavaScript objects are not callable: `forward(...)` is the raw computation, `call(...)` runs it with the forward
 * pre-hooks, forward hooks and backward hooks. Containers and models call their children with `call`.
 */
import {
  Function as AutogradFunction,
  type DType,
  type FunctionCtx,
  isGradEnabled,
  keep,
  noGrad,
  type RemovableHandle,
  Tensor,
} from '@nndl/tensor';
import { Parameter } from './parameter.js';

// biome-ignore lint/suspicious/noExplicitAny: a module of any signature, for containers and tree walks.
export type AnyModule = Module<any[], any>;

export type ForwardPreHook<M, In> = (module: M, inputs: In) => In | undefined | void;
export type ForwardHook<M, In, Out> = (module: M, inputs: In, output: Out) => Out | undefined | void;
/** Gets the gradients of the module's tensor inputs and of its output; may return replacements for gradInput. */
export type FullBackwardHook<M> = (
  module: M,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => (Tensor | null)[] | undefined | void;

export interface RegisterBufferOptions {
  /** Non-persistent buffers move with the module but are left out of the state dict. */
  persistent?: boolean;
}

/** What loadStateDict found: keys the module has and the dict lacks, keys it doesn't have, and shape/dtype clashes. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
  mismatchedKeys: { key: string; expected: string; got: string }[];
}

export type StateDict = Record<string, Tensor>;

const DTYPES: readonly string[] = ['float32', 'float64', 'int32', 'bool'];

interface ModuleInternals {
  nonPersistent: Set<string>;
  forwardPreHooks: ForwardPreHook<AnyModule, unknown[]>[];
  forwardHooks: ForwardHook<AnyModule, unknown[], unknown>[];
  backwardHooks: FullBackwardHook<AnyModule>[];
  /** registeredChildren(), cached for containers (dropped by childrenChanged). */
  childList: AnyModule[] | null;
}

function removable<T>(list: T[], item: T): RemovableHandle {
  list.push(item);
  return {
    remove: () => {
      const i = list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

function describe(t: Tensor): string {
  return `shape [${t.shape.join(', ')}], dtype ${t.dtype}`;
}

export class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch norm uses batch statistics); set with train()/eval(). */
  training = true;
  /** @internal hooks and non-persistent buffer names; not enumerable, so never mistaken for state. */
  declare readonly _nn: ModuleInternals;

  constructor() {
    Object.defineProperty(this, '_nn', {
      value: {
        nonPersistent: new Set(),
        forwardPreHooks: [],
        forwardHooks: [],
        backwardHooks: [],
        childList: null,
      },
      enumerable: false,
    });
  }

  /** The computation. Subclasses override it; call modules with `call` so that hooks run. */
  forward(..._inputs: In): Out {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /**
   * Run `forward` with the hooks: forward pre-hooks (may replace the inputs), forward, forward hooks (may replace the
   * output), and backward hooks on the autograd graph.
   * @example const y = model.call(x);
   */
  call(...inputs: In): Out {
    const s = this._nn;
    if (s.forwardPreHooks.length === 0 && s.forwardHooks.length === 0 && s.backwardHooks.length === 0) {
      return this.forward(...inputs);
    }
    return this.callWithHooks(inputs);
  }

  private callWithHooks(inputs: In): Out {
    const s = this._nn;
    for (const hook of [...s.forwardPreHooks]) {
      const r = hook(this, inputs);
      if (r !== undefined) inputs = (Array.isArray(r) ? r : [r]) as In;
    }
    const backward =
      s.backwardHooks.length > 0 && isGradEnabled() ? new BackwardHookRunner(this, s.backwardHooks) : null;
    if (backward) inputs = backward.wrapInputs(inputs) as In;
    let output = this.forward(...inputs);
    for (const hook of [...s.forwardHooks]) {
      const r = hook(this, inputs, output);
      if (r !== undefined) output = r as Out;
    }
    if (backward && output instanceof Tensor) output = backward.wrapOutput(output) as Out;
    return output;
  }

  // ---- hooks --------------------------------------------------------------------------------------------------

  /** `hook(module, inputs)` before forward; a returned value replaces the inputs (an array, or one input). */
  registerForwardPreHook(hook: ForwardPreHook<this, In>): RemovableHandle {
    return removable(this._nn.forwardPreHooks, hook as unknown as ForwardPreHook<AnyModule, unknown[]>);
  }

  /** `hook(module, inputs, output)` after forward; a returned value replaces the output. */
  registerForwardHook(hook: ForwardHook<this, In, Out>): RemovableHandle {
    return removable(this._nn.forwardHooks, hook as unknown as ForwardHook<AnyModule, unknown[], unknown>);
  }

  /**
   * `hook(module, gradInput, gradOutput)` when the gradients with respect to the module's tensor inputs have been
   * computed (gradInput holds one entry per tensor input that requires grad, or `[null]` when none does). A returned
   * array replaces gradInput; replacement is exact for modules with one differentiable input (all layers here).
   * @example layer.registerFullBackwardHook((m, gIn, gOut) => { norms.push(gOut[0]!.pow(2).sum().sqrt().item()); });
   */
  registerFullBackwardHook(hook: FullBackwardHook<this>): RemovableHandle {
    return removable(this._nn.backwardHooks, hook as unknown as FullBackwardHook<AnyModule>);
  }

  // ---- registration -------------------------------------------------------------------------------------------

  private checkName(name: string, what: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`${what}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    }
    if (name === 'training' || name === '_nn' || (name in this && !Object.hasOwn(this, name))) {
      throw new Error(`${what}: attribute "${name}" already exists on ${this.constructor.name}`);
    }
  }

  /** Register a parameter under a name chosen at run time (fields of type Parameter register themselves). */
  registerParameter(name: string, param: Parameter | null): void {
    this.checkName(name, 'registerParameter');
    if (param !== null && !(param instanceof Parameter)) {
      throw new Error(
        `registerParameter: cannot assign a ${describeValue(param)} as parameter "${name}" (Parameter or null required)`,
      );
    }
    (this as Record<string, unknown>)[name] = param;
  }

  /** Register a tensor that is state but not learnable (running statistics). */
  registerBuffer(name: string, buffer: Tensor | null, options: RegisterBufferOptions = {}): void {
    this.checkName(name, 'registerBuffer');
    if (buffer !== null && (!(buffer instanceof Tensor) || buffer instanceof Parameter)) {
      throw new Error(
        `registerBuffer: cannot assign a ${describeValue(buffer)} as buffer "${name}" (Tensor or null required)`,
      );
    }
    // Buffers are module state, like parameters: a module built inside tidy() keeps them.
    if (buffer) keep(buffer);
    (this as Record<string, unknown>)[name] = buffer;
    if (options.persistent === false) this._nn.nonPersistent.add(name);
    else this._nn.nonPersistent.delete(name);
  }

  /** Register a child module under a name chosen at run time. */
  addModule(name: string, module: AnyModule | null): void {
    this.checkName(name, 'addModule');
    if (module !== null && !(module instanceof Module)) {
      throw new Error(`addModule: ${describeValue(module)} is not a Module subclass (child "${name}")`);
    }
    (this as Record<string, unknown>)[name] = module;
    this.childrenChanged();
  }

  /** @internal Called after addModule (and by containers that reorder their children): drops the cached list. */
  protected childrenChanged(): void {
    this._nn.childList = null;
  }

  /** Alias of addModule, as PyTorch's register_module. */
  registerModule(name: string, module: AnyModule | null): void {
    this.addModule(name, module);
  }

  // ---- walking the tree ---------------------------------------------------------------------------------------

  /** @internal own entries by kind, in field order. */
  private ownEntries(): {
    params: [string, Parameter][];
    buffers: [string, Tensor][];
    children: [string, AnyModule][];
  } {
    const params: [string, Parameter][] = [];
    const buffers: [string, Tensor][] = [];
    const children: [string, AnyModule][] = [];
    const self = this as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = self[key];
      if (v === null || typeof v !== 'object') continue;
      if (v instanceof Parameter) params.push([key, v]);
      else if (v instanceof Tensor) buffers.push([key, v]);
      else if (v instanceof Module) children.push([key, v]);
      else if (Array.isArray(v) && v.some((e) => e instanceof Module || e instanceof Parameter)) {
        throw new Error(
          `${this.constructor.name}.${key} is an array of modules or parameters, which would not be registered: use ` +
            'ModuleList (or register each with addModule/registerParameter)',
        );
      }
    }
    return { params, buffers, children };
  }

  /**
   * Every registered child in registration order, repeats included (a module placed twice in a Sequential runs
   * twice): what containers iterate. `children()`/`namedChildren()` list each module once, as PyTorch's do.
   */
  protected registeredChildren(): AnyModule[] {
    return this.ownEntries().children.map(([, m]) => m);
  }

  /**
   * registeredChildren(), cached until addModule or childrenChanged(): containers (Sequential, ModuleList) loop over
   * it on every forward, and walking the fields costs about 1 us each time.
   */
  protected childList(): AnyModule[] {
    this._nn.childList ??= this.registeredChildren();
    return this._nn.childList;
  }

  /** Direct children with their field names. */
  namedChildren(): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    return this.ownEntries().children.filter(([, m]) => !seen.has(m) && seen.add(m));
  }

  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all its descendants, each once, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [key, child] of m.ownEntries().children) visit(child, name ? `${name}.${key}` : key);
    };
    visit(this, prefix);
    return out;
  }

  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names ('0.weight'), each once even when shared. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const modules: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [name, m] of modules) {
      for (const [key, p] of m.ownEntries().params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([name ? `${name}.${key}` : key, p]);
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const modules: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [name, m] of modules) {
      for (const [key, b] of m.ownEntries().buffers) out.push([name ? `${name}.${key}` : key, b]);
    }
    return out;
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  /** Call `fn` on every descendant (children first), then on this module; returns this. */
  apply(fn: (module: AnyModule) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ------------------------------------------------------------------------------------

  /** Set training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout is the identity, batch norm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Reset the gradients: to null (default, as PyTorch 2), or to zeros in place with `setToNone = false`. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      // A gradient disposed with the tidy() it was computed in is gone: null, not zeros written into freed storage.
      if (setToNone || p.grad?.isDisposed) p.grad = null;
      else if (p.grad) {
        const g = p.grad;
        noGrad(() => g.zero_());
      }
    }
  }

  /** Toggle requiresGrad on every parameter (freezing). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Move to a device ('cpu', 'webgl') or convert floating-point parameters and buffers to a dtype. Parameters keep
   * their identity (only their storage changes), so an optimizer created earlier still updates them.
   */
  to(target: DType | string): this {
    const isDtype = DTYPES.includes(target);
    const convert = (t: Tensor): Tensor | null => {
      if (isDtype && t.dtype !== 'float32' && t.dtype !== 'float64') return null;
      const moved = t.detach().to(target);
      return moved === t || moved.handle === t.handle ? null : moved;
    };
    noGrad(() => {
      for (const p of this.parameters()) {
        const moved = convert(p);
        if (moved) {
          p._setData(moved);
          moved.dispose(); // the parameter holds the storage now (dispose(p) frees it)
        }
        if (p.grad) p.grad = convert(p.grad) ?? p.grad;
      }
      for (const m of this.modules()) {
        const self = m as unknown as Record<string, unknown>;
        // Buffers are module state: kept, so that to() inside tidy() does not lose them.
        for (const [key, b] of m.ownEntries().buffers) {
          const moved = convert(b);
          if (moved) self[key] = keep(moved);
        }
      }
    });
    return this;
  }

  /**
   * Put the float32 CPU parameters' storage in the CPU kernels' wasm memory (Tensor.pinMemory), so that forward,
   * backward and the optimizer's in-place updates use it without copies. Parameters keep their identity (an
   * optimizer created earlier still updates them); their values and gradients are unchanged. A no-op where there is
   * no such memory, for parameters under 256 elements, and for parameters already pinned. The engine's Trainer does
   * this before training.
   */
  pinMemory(): this {
    noGrad(() => {
      for (const p of this.parameters()) {
        if (p.device !== 'cpu' || p.dtype !== 'float32' || p.isPinned()) continue;
        const pinned = p.pinMemory();
        // Where there is no such memory (or the parameter is too small to pin) the copy is plain: keep the original.
        if (pinned.isPinned()) p._setData(pinned);
        pinned.dispose(); // the parameter holds the storage now (dispose(p) frees it)
      }
    });
    return this;
  }

  // ---- state dict ---------------------------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers under dotted keys ('layer1.0.left.0.weight'), in registration order. The
   * tensors share storage with the module (detached): clone them to keep a snapshot.
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = {};
    // As PyTorch: a module reachable under two names (Sequential(l, l)) is saved under both; only a module that
    // contains itself is cut short.
    const ancestors = new Set<AnyModule>();
    const visit = (m: AnyModule, name: string) => {
      if (ancestors.has(m)) return;
      ancestors.add(m);
      const own = m.ownEntries();
      const at = (key: string) => (name ? `${name}.${key}` : key);
      for (const [key, p] of own.params) out[at(key)] = p.detach();
      for (const [key, b] of own.buffers) if (!m._nn.nonPersistent.has(key)) out[at(key)] = b.detach();
      for (const [key, child] of own.children) visit(child, at(key));
      ancestors.delete(m);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * Copy a state dict into this module's parameters and buffers. Shapes and dtypes must match. With
   * `strict` (default) every missing, unexpected and mismatched key is reported in one error and nothing is loaded;
   * otherwise the matching keys are loaded and the rest is returned.
   */
  loadStateDict(stateDict: StateDict, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const result: LoadStateDictResult = { missingKeys: [], unexpectedKeys: [], mismatchedKeys: [] };
    const toCopy: [Tensor, Tensor][] = [];
    for (const [key, target] of Object.entries(own)) {
      const source = stateDict[key];
      if (source === undefined) {
        result.missingKeys.push(key);
        continue;
      }
      if (!(source instanceof Tensor)) {
        result.mismatchedKeys.push({ key, expected: describe(target), got: describeValue(source) });
      } else if (source.shape.join() !== target.shape.join() || source.dtype !== target.dtype) {
        result.mismatchedKeys.push({ key, expected: describe(target), got: describe(source) });
      } else toCopy.push([target, source]);
    }
    for (const key of Object.keys(stateDict)) if (!(key in own)) result.unexpectedKeys.push(key);
    const failed =
      result.missingKeys.length + result.unexpectedKeys.length + result.mismatchedKeys.length > 0;
    if (strict && failed) {
      const lines = [`Error(s) in loading stateDict for ${this.constructor.name}:`];
      const quote = (keys: string[]) => keys.map((k) => `"${k}"`).join(', ');
      if (result.missingKeys.length)
        lines.push(`  Missing key(s) in stateDict: ${quote(result.missingKeys)}.`);
      if (result.unexpectedKeys.length)
        lines.push(`  Unexpected key(s) in stateDict: ${quote(result.unexpectedKeys)}.`);
      for (const m of result.mismatchedKeys) {
        lines.push(
          `  mismatch for ${m.key}: copying a tensor with ${m.got} from the checkpoint, the ${m.expected} in the current model.`,
        );
      }
      throw new Error(lines.join('\n'));
    }
    // The state dict's tensors share storage with parameters and buffers: copying into them loads in place.
    noGrad(() => {
      for (const [target, source] of toCopy) if (target.handle !== source.handle) target.copy_(source);
    });
    return result;
  }

  // ---- printing -----------------------------------------------------------------------------------------------

  /** The layer's settings shown between its parentheses (`inFeatures=784, outFeatures=30, bias=true`). */
  extraRepr(): string {
    return '';
  }

  /** The module tree, as PyTorch prints it. */
  toString(): string {
    const extra = this.extraRepr();
    const lines: string[] = extra ? extra.split('\n') : [];
    for (const [key, child] of this.ownEntries().children) {
      const text = child.toString().split('\n').join('\n  ');
      lines.push(`(${key}): ${text}`);
    }
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (lines.length === 1 && this.ownEntries().children.length === 0) return `${name}(${lines[0]})`;
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

// ---- full backward hooks ------------------------------------------------------------------------------------------

/** An identity node: hooking its output sees exactly the gradient flowing to (or from) the module's boundary. */
class GradTap extends AutogradFunction {
  static override forward(_ctx: FunctionCtx, x: Tensor): Tensor {
    return x;
  }
  static override backward(_ctx: FunctionCtx, g: Tensor): Tensor {
    return g;
  }
}

/** Identity nodes on the module's inputs and output catch gradOutput, then gradInput, and call the hooks. */
class BackwardHookRunner {
  private gradOutputs: (Tensor | null)[] = [null];
  private gradInputs: (Tensor | null)[] = [];
  private expected = 0;
  private received = 0;

  constructor(
    private readonly module: AnyModule,
    private readonly hooks: FullBackwardHook<AnyModule>[],
  ) {}

  private run(gradInputs: (Tensor | null)[]): (Tensor | null)[] {
    let current = gradInputs;
    for (const hook of [...this.hooks]) {
      const r = hook(this.module, current, this.gradOutputs);
      if (r !== undefined) current = r;
    }
    return current;
  }

  wrapInputs(inputs: unknown[]): unknown[] {
    return inputs.map((x) => {
      if (!(x instanceof Tensor) || !x.requiresGrad) return x;
      const slot = this.expected++;
      this.gradInputs.push(null);
      const tap = GradTap.apply(x);
      tap.registerHook((g) => {
        this.gradInputs[slot] = g;
        this.received++;
        if (this.received < this.expected) return g;
        this.received = 0;
        const replaced = this.run(this.gradInputs.slice());
        return replaced[slot] ?? g;
      });
      return tap;
    });
  }

  wrapOutput(output: Tensor): Tensor {
    if (!output.requiresGrad) return output;
    const tap = GradTap.apply(output);
    tap.registerHook((g) => {
      this.gradOutputs = [g];
      if (this.expected === 0) this.run([null]);
      return g;
    });
    return tap;
  }
}
