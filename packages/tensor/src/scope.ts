/**
 * Explicit memory control: `tidy(fn)` disposes every tensor created inside `fn` except what it returns and what was
 * `keep()`-ed. WebGL needs it (the garbage collector cannot see textures); on the CPU it makes training faster: the
 * arrays of disposed tensors are recycled for the next kernels' results (storage_pool.ts) instead of being allocated
 * fresh. @nndl/nn keeps parameters, registered buffers and optimizer state automatically; gradients computed inside
 * a scope die with it.
 */
import type { Tensor } from './tensor.js';

const scopes: Tensor[][] = [];
/**
 * Per open scope: tensors that left an inner scope (kept) whose storage could not move out then, because a tensor of
 * this scope still shared it; looked at again when this scope ends (see tidy).
 */
const pending: Map<Tensor['_version'], Tensor[]>[] = [];
const kept = new WeakSet<Tensor>();

/** @internal True inside a `tidy` (storage made there has a known lifetime: see storage_pool.ts). */
export function inTidy(): boolean {
  return scopes.length > 0;
}

/** @internal Called by the Tensor constructor. */
export function trackTensor(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1]!.push(t);
}

function collect(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('_version' in (value as object) && 'shape' in (value as object)) {
    into.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype)
    for (const v of Object.values(value)) collect(v, into, seen);
}

/**
 * Run `fn`, then dispose every tensor it created except the tensors it returns (directly, or in arrays and plain
 * objects) and tensors marked with `keep()`. Synchronous only.
 * @example const loss = tidy(() => model.forward(x).sub(y).pow(2).mean());
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  pending.push(new Map());
  let result: T;
  let created: Tensor[];
  let leaving: Map<Tensor['_version'], Tensor[]>;
  try {
    result = fn();
  } finally {
    created = scopes.pop()!;
    leaving = pending.pop()!;
  }
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  const outer = scopes[scopes.length - 1];
  // Tensors that leave every scope (returned from the outermost, or kept), grouped by the storage they share.
  for (const t of created) {
    if (survivors.has(t) || kept.has(t)) {
      // A survivor belongs to the enclosing scope, if any.
      if (outer && !kept.has(t)) outer.push(t);
      else addTo(leaving, t);
    } else t.dispose();
  }
  // Storage that a backend keeps only for scoped tensors (the CPU's blocks of wasm memory) moves out for them once
  // every live tensor on it is leaving. Where a tensor of an enclosing scope still shares it, the enclosing scope
  // looks again when it ends.
  for (const [version, group] of leaving) {
    const live = group.filter((t) => !t._disposed);
    const first = live[0];
    if (!first?._backend.relocate) continue;
    if (version.refs === live.length) {
      const handle = first._backend.relocate(first.handle);
      if (handle !== first.handle) for (const t of live) t.handle = handle;
    } else if (outer) for (const t of live) addTo(pending[pending.length - 1]!, t);
  }
  return result;
}

function addTo(groups: Map<Tensor['_version'], Tensor[]>, t: Tensor): void {
  const group = groups.get(t._version);
  if (group) {
    if (!group.includes(t)) group.push(t);
  } else groups.set(t._version, [t]);
}

/** Exempt a tensor from the enclosing `tidy` scopes. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

/** Dispose a tensor, or every tensor in an array or plain object. */
export function dispose(value: Tensor | readonly Tensor[] | Record<string, Tensor>): void {
  const all = new Set<Tensor>();
  collect(value, all);
  for (const t of all) t.dispose();
}
