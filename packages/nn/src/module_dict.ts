/** ModuleDict: modules registered under names chosen at run time. */
import { type AnyModule, Module } from './module.js';

/**
 * A dictionary of registered child modules. Names must not contain '.'; integer-like names are ordered first, in
 * ascending order, as JavaScript orders object keys.
 * @example const heads = new ModuleDict({ digit: new Linear(100, 10), parity: new Linear(100, 2) });
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module {
  constructor(modules: Record<string, M> | Map<string, M> = {}) {
    super();
    const entries = modules instanceof Map ? [...modules.entries()] : Object.entries(modules);
    for (const [name, m] of entries) this.set(name, m);
  }

  set(name: string, module: M): this {
    const self = this as unknown as Record<string, unknown>;
    if (self[name] instanceof Module) self[name] = module;
    else this.addModule(name, module);
    return this;
  }

  get(name: string): M | undefined {
    const v = (this as unknown as Record<string, unknown>)[name];
    return v instanceof Module && Object.hasOwn(this, name) ? (v as M) : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  delete(name: string): boolean {
    if (!this.has(name)) return false;
    delete (this as unknown as Record<string, unknown>)[name];
    return true;
  }

  get size(): number {
    return this.namedChildren().length;
  }

  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  values(): M[] {
    return this.registeredChildren() as M[];
  }

  entries(): [string, M][] {
    return this.namedChildren() as [string, M][];
  }
}
