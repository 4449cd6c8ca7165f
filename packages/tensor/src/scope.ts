/**
 * Explicit memory control: `tidy(fn)` disposes every tensor created inside `fn` except what it returns and what was
 * `keep()`-ed. WebGL needs it (the garbage collector cannot see textures); on the CPU it makes training faster: the
 * arrays of disposed tensors are recycled for the next kernels' results (storage_pool.ts) instead of being allocated
 * fresh. @nndl/nn keeps parameters, registered buffers and optimizer state automatically; gradients computed inside
 * a scope die with it.
 */
import type { Tensor } from './tensor.js';

const scopes: Tensor[][] = [];
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
  let result: T;
  let created: Tensor[];
  try {
    result = fn();
  } finally {
    created = scopes.pop()!;
  }
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  const outer = scopes[scopes.length - 1];
  // Tensors that leave every scope (returned from the outermost, or kept), grouped by the storage they share.
  const leaving = new Map<Tensor['_version'], Tensor[]>();
  for (const t of created) {
    if (survivors.has(t) || kept.has(t)) {
      // A survivor belongs to the enclosing scope, if any.
      if (outer && !kept.has(t)) outer.push(t);
      else if (!t._disposed) {
        const group = leaving.get(t._version);
        if (group) group.push(t);
        else leaving.set(t._version, [t]);
      }
    } else t.dispose();
  }
  // Storage that a backend keeps only for scoped tensors (the CPU's blocks of wasm memory) moves out for them, where
  // every live tensor on it is leaving (else it is another scope's, or pinned, and stays).
  for (const [version, group] of leaving) {
    const first = group[0]!;
    if (!first._backend.relocate || version.refs !== group.length) continue;
    const handle = first._backend.relocate(first.handle);
    if (handle !== first.handle) for (const t of group) t.handle = handle;
  }
  return result;
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
