/** Sequential: children called in order, each on the output of the previous one. */
import type { Tensor } from '@nndl/tensor';
import { type AnyModule, Module } from './module.js';

/**
 * A chain of modules, from a list (children named '0', '1', ...) or from named entries (an object or a Map).
 * @example
 * const net = new Sequential(new Linear(784, 30), new Sigmoid(), new Linear(30, 10));
 * const named = new Sequential({ fc: new Linear(4, 2), act: new ReLU() });
 */
export class Sequential extends Module {
  constructor(...modules: AnyModule[] | [Record<string, AnyModule> | Map<string, AnyModule>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first !== undefined && !(first instanceof Module)) {
      const entries = first instanceof Map ? [...first.entries()] : Object.entries(first);
      for (const [name, m] of entries) this.addModule(name, m);
    } else {
      (modules as AnyModule[]).forEach((m, i) => {
        this.addModule(String(i), m);
      });
    }
  }

  private list(): AnyModule[] {
    return this.childList() as AnyModule[];
  }

  get length(): number {
    return this.list().length;
  }

  /** The i-th child (negative counts from the end). */
  at(index: number): AnyModule {
    const children = this.list();
    const m = children[index < 0 ? children.length + index : index];
    if (!m) throw new Error(`Sequential: index ${index} is out of range for ${children.length} modules`);
    return m;
  }

  /** Append a module under the next integer name. */
  append(module: AnyModule): this {
    this.addModule(String(this.length), module);
    return this;
  }

  override forward(x: Tensor): Tensor {
    const list = this.list();
    for (let i = 0; i < list.length; i++) x = list[i]!.call(x);
    return x;
  }

  [Symbol.iterator](): Iterator<AnyModule> {
    return this.list()[Symbol.iterator]();
  }
}
