/**
 * Optimizer: the base of SGD, Adam, AdamW and RMSprop, as torch.optim.Optimizer. Parameters come in groups, each with
 * its own options (learning rate, ...); per-parameter state (momentum buffers, moments) lives in `state`;
 * `stateDict()`/`loadStateDict()` capture everything needed to resume bit for bit.
 *
 * Updates run in place on the parameters' storage, without recording gradients. On the CPU each update is one fused
 * loop over the typed arrays of the parameter, its gradient and its state: no temporary tensors per step (measured
 * against in-place tensor ops: see docs/nn.md). Other devices round-trip through the host (NOTE: a fused device kernel
 * would remove the copies; the WebGL backend is not a training target for large models yet).
 */
import { asTensor, enableGrad, keep, noGrad, type Tensor, zeros } from '@nndl/tensor';

export type FloatArray = Float32Array | Float64Array;

/** A group of parameters with its options; options missing from a group are taken from the defaults. */
export type ParamGroup<O> = O & { params: Tensor[]; initialLr?: number };
export type ParamGroupInput<O> = Partial<O> & { params: Iterable<Tensor> };
export type Params<O> = Iterable<Tensor> | ParamGroupInput<O>[];

export type StateValue = Tensor | number;
export type ParamState = Record<string, StateValue>;

/** Plain data: tensors in `state`, numbers and strings elsewhere (serializable to safetensors). */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by the parameter's index across all groups (as a string). */
  state: Record<string, ParamState>;
  /** Each group's options, with `params` replaced by parameter indices. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

export function checkNumber(value: unknown, ok: (v: number) => boolean, message: string): void {
  if (typeof value !== 'number' || Number.isNaN(value) || !ok(value))
    throw new Error(`${message}: ${String(value)}`);
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly defaults: O;
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (created on the parameter's first step). */
  state = new Map<Tensor, ParamState>();

  constructor(params: Params<O>, defaults: O) {
    this.defaults = defaults;
    this.validate(defaults);
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new Error(`${this.constructor.name}: optimizer got an empty parameter list`);
    const groups = list.every((p) => typeof p === 'object' && p !== null && 'params' in p && !('shape' in p))
      ? (list as ParamGroupInput<O>[])
      : [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Check options, with PyTorch's messages ("Invalid learning rate: -1"). */
  protected abstract validate(options: O): void;

  /** Add a group of parameters with its own options (e.g. a smaller learning rate for a pretrained backbone). */
  addParamGroup(group: ParamGroupInput<O>): void {
    const params = [...group.params];
    for (const p of params) {
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
      for (const g of this.paramGroups) {
        if (g.params.includes(p)) throw new Error('some parameters appear in more than one parameter group');
      }
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /** Reset the gradients of all parameters: to null (default), or to zeros with `setToNone = false`. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        // A gradient disposed with the tidy() it was computed in is gone: null, not zeros written into freed storage.
        if (setToNone || p.grad?.isDisposed) p.grad = null;
        else if (p.grad) noGrad(() => p.grad!.zero_()); // in place, as PyTorch: references to .grad see it
      }
    }
  }

  /**
   * One update of every parameter that has a gradient. `closure` (optional) recomputes the loss with gradients
   * enabled and returns it.
   */
  step(closure?: () => Tensor | number): number | undefined {
    let loss: number | undefined;
    if (closure) {
      const value = enableGrad(closure);
      loss = typeof value === 'number' ? value : value.item();
    }
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        let state = this.state.get(p);
        if (!state) {
          state = {};
          this.state.set(p, state);
        }
        this.updateParameter(p, p.grad, state, group);
      }
    }
    return loss;
  }

  /** The update of one parameter, given its gradient, its state and its group's options. */
  protected abstract updateParameter(
    param: Tensor,
    grad: Tensor,
    state: ParamState,
    group: ParamGroup<O>,
  ): void;

  /** A zero state buffer shaped like the parameter (it outlives the `tidy` of the step that creates it). */
  protected zerosLike(p: Tensor): Tensor {
    return keep(zeros(p.shape, { dtype: p.dtype, device: p.device }));
  }

  /**
   * Run `update` on the typed arrays of `tensors` (parameter, gradient, state) and write the results back: in place
   * on the CPU (the handle is the array), through the host elsewhere. Bumps the version counters of the tensors that
   * change (all but the gradient, tensors[1]).
   */
  protected inPlace(tensors: Tensor[], update: (...arrays: FloatArray[]) => void): void {
    const onCpu = tensors.every((t) => t.device === 'cpu');
    // On the CPU the handle is the storage (a typed array, or a view into the kernels' wasm memory): updated in place.
    // dataSync would hand out a copy of wasm-resident storage, and mark a typed array as never to be recycled.
    for (const t of tensors) {
      if (t.isDisposed) {
        throw new Error(
          `${this.constructor.name}.step: a parameter, gradient or state tensor of shape [${t.shape.join(', ')}] was ` +
            'disposed (a gradient computed inside tidy() is disposed with it: step inside the same tidy).',
        );
      }
    }
    const arrays = tensors.map((t) => (onCpu ? t.handle : t.dataSync().slice()) as FloatArray);
    update(...arrays);
    for (let i = 0; i < tensors.length; i++) {
      if (i === 1) continue;
      const t = tensors[i]!;
      if (!onCpu) t._backend.assign(t.handle, asTensor(arrays[i]!, t.shape).to(t.device).handle, t.dtype);
      t._version.value++;
    }
  }

  /** Everything needed to resume: per-parameter state and the groups' options (parameters as indices). */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      const ids = params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return { ...options, params: ids };
    });
    const state: Record<string, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: ParamState = {};
      for (const [k, v] of Object.entries(s)) entry[k] = typeof v === 'number' ? v : v.detach();
      state[String(i)] = entry;
    }
    return { state, paramGroups };
  }

  /** Restore a state dict made by stateDict() of an optimizer over parameters of the same shapes, in the same groups. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = stateDict.paramGroups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: loaded state dict has ${groups?.length} parameter groups, the optimizer has ${this.paramGroups.length}`,
      );
    }
    const byIndex = new Map<number, Tensor>();
    groups.forEach((g, gi) => {
      const own = this.paramGroups[gi]!;
      if (g.params.length !== own.params.length) {
        throw new Error(
          `${this.constructor.name}.loadStateDict: loaded state dict contains a parameter group (${gi}) with ${g.params.length} parameters, ` +
            `which doesn't match the size of the optimizer's group (${own.params.length})`,
        );
      }
      g.params.forEach((id, k) => {
        byIndex.set(id, own.params[k]!);
      });
    });
    const state = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (!p)
        throw new Error(
          `${this.constructor.name}.loadStateDict: state for parameter ${key}, which no group lists`,
        );
      const entry: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number') entry[k] = v;
        else {
          if (v.shape.join() !== p.shape.join()) {
            throw new Error(
              `${this.constructor.name}.loadStateDict: state ${key}.${k} has shape [${v.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`,
            );
          }
          // A copy on the parameter's device and dtype, so that the loaded state never aliases the source.
          const moved = v.to(p.device);
          entry[k] = keep((moved.dtype === p.dtype ? moved : moved.to(p.dtype)).clone());
        }
      }
      state.set(p, entry);
    }
    groups.forEach((g, gi) => {
      const { params: _ids, ...options } = g;
      const own = this.paramGroups[gi]!;
      Object.assign(own, options);
      this.validate(own);
    });
    this.state = state;
  }
}
