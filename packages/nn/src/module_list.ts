/** ModuleList: a list of registered modules (a plain array in a field would not be registered). */
import { type AnyModule, Module } from './module.js';

/**
 * Holds modules in a list; they are registered children named '0', '1', ... It has no forward of its own.
 * @example this.layers = new ModuleList(sizes.slice(1).map((n, i) => new Linear(sizes[i]!, n)));
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  private list(): M[] {
    return this.childList() as M[];
  }

  get length(): number {
    return this.list().length;
  }

  /** The i-th module (negative counts from the end). */
  at(index: number): M {
    const list = this.list();
    const m = list[index < 0 ? list.length + index : index];
    if (!m) throw new Error(`ModuleList: index ${index} is out of range for ${list.length} modules`);
    return m;
  }

  append(module: M): this {
    this.addModule(String(this.length), module);
    return this;
  }

  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Insert before `index`, renumbering the modules after it. */
  insert(index: number, module: M): this {
    const list = this.list();
    list.splice(index < 0 ? list.length + index : index, 0, module);
    this.childrenChanged();
    this.reset(list);
    return this;
  }

  /** Replace the i-th module. */
  set(index: number, module: M): this {
    const list = this.list();
    if (index < 0) index += list.length;
    if (index < 0 || index >= list.length)
      throw new Error(`ModuleList: index ${index} is out of range for ${list.length} modules`);
    (this as unknown as Record<string, M>)[String(index)] = module;
    this.childrenChanged();
    return this;
  }

  private reset(list: M[]): void {
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) if (/^\d+$/.test(key)) delete self[key];
    this.childrenChanged();
    list.forEach((m, i) => {
      this.addModule(String(i), m);
    });
  }

  [Symbol.iterator](): Iterator<M> {
    return this.list()[Symbol.iterator]();
  }

  forEach(fn: (module: M, index: number) => void): void {
    this.list().forEach(fn);
  }

  map<T>(fn: (module: M, index: number) => T): T[] {
    return this.list().map(fn);
  }
}
