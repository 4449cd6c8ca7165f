// The CPU storage pool (src/storage_pool.ts): arrays of disposed tensors are recycled for new results, and never
// an array that anything outside the library can still see.
import {
  asTensor,
  cachedBytes,
  emptyCache,
  getBackend,
  keep,
  maxPool2d,
  randn,
  setCacheLimit,
  type Tensor,
  tidy,
  zeros,
} from '@nndl/tensor';
import { afterEach, describe, expect, it } from 'vitest';

const N = 4096;

afterEach(() => {
  setCacheLimit(64 * 1024 * 1024);
  emptyCache();
});

describe('CPU storage pool', () => {
  // float64 storage is always a typed array (resident wasm blocks are float32 results of wasm kernels inside tidy),
  // so these tests see the typed-array pool alone; `base` is what earlier tests left listed.
  const f64 = { dtype: 'float64' } as const;

  it('recycles the arrays of tensors disposed by tidy for the next results', () => {
    emptyCache();
    const base = cachedBytes();
    const x = randn([N], f64).add(0);
    let inner: Tensor | null = null;
    tidy(() => {
      inner = x.mul(2);
      return inner.add(1).sum();
    });
    expect(inner!.isDisposed).toBe(true);
    expect(cachedBytes() - base).toBe(2 * N * 8);
    expect(getBackend('cpu').memory().cachedBytes).toBe(cachedBytes());
    const y = x.mul(3);
    // The new result took an array from the pool, and it holds the right values (a recycled array is overwritten
    // or zeroed, never read).
    expect(cachedBytes() - base).toBe(N * 8);
    const xs = x.dataSync();
    const ys = y.dataSync();
    for (let i = 0; i < N; i += 97) expect(ys[i]).toBe(xs[i]! * 3);
  });

  it('a recycled array is zeroed for kernels that accumulate into it', () => {
    emptyCache();
    const base = cachedBytes();
    const x = randn([1, 1, 64, 64], f64).requiresGrad_(true);
    tidy(() => {
      randn([N], f64).add(5);
    });
    expect(cachedBytes() - base).toBe(2 * N * 8);
    // zeros(), and kernels that accumulate into their result (here max pooling's backward), start from zeros.
    const z = zeros([N], f64);
    expect(z.dataSync().every((v) => v === 0)).toBe(true);
    const out = maxPool2d(x, [2, 2]).sum();
    expect(cachedBytes() - base).toBe(N * 8);
    out.backward(); // the gradient [1, 1, 64, 64] takes the last pooled array
    expect(cachedBytes() - base).toBe(0);
    const g = x.grad!.dataSync();
    expect(g.filter((v) => v === 1).length).toBe(N / 4);
    expect(g.filter((v) => v === 0).length).toBe(N - N / 4);
  });

  it('never recycles an array returned by dataSync, or a user array wrapped by asTensor', () => {
    emptyCache();
    const base = cachedBytes();
    const user = new Float64Array(N).fill(7);
    let seen: Float64Array | null = null;
    tidy(() => {
      asTensor(user); // the user's own array: disposed with the scope, but not the pool's
      const t = randn([N], f64).add(1);
      seen = t.dataSync() as Float64Array; // handed out: must stay as it is
    });
    expect(cachedBytes() - base).toBe(N * 8); // only randn's result came back
    const snapshot = Float64Array.from(seen!);
    for (let i = 0; i < 4; i++) randn([N], f64).add(2).mul(3);
    expect(Array.from(seen!)).toEqual(Array.from(snapshot));
    expect(user.every((v) => v === 7)).toBe(true);
  });

  it('reads a tensor in wasm memory as a copy that stays valid after the block is reused', () => {
    const x = randn([N]);
    let t: Tensor | null = null;
    let seen: Float32Array | null = null;
    tidy(() => {
      t = x.mul(2);
      seen = t.dataSync() as Float32Array;
    });
    const snapshot = Array.from(seen!);
    for (let i = 0; i < 4; i++) tidy(() => x.mul(5).add(1));
    expect(Array.from(seen!)).toEqual(snapshot);
    expect(() => t!.dataSync()).toThrow(/dataSync: the tensor \(shape \[4096\]\) was used after dispose\(\)/);
  });

  it('keeps storage that a live view shares', () => {
    emptyCache();
    const base = cachedBytes();
    const x = randn([N], f64).add(1);
    const view = x.reshape([64, 64]);
    x.dispose();
    expect(cachedBytes() - base).toBe(0);
    const values = Array.from(view.dataSync());
    view.dispose();
    for (let i = 0; i < 3; i++) randn([N], f64).add(2);
    expect(values.length).toBe(N);
  });

  it('lists an array once however often its tensor is disposed', () => {
    emptyCache();
    const base = cachedBytes();
    const t = randn([N], f64).add(1);
    t.dispose();
    t.dispose();
    expect(cachedBytes() - base).toBe(N * 8);
    const a = randn([N], f64).add(1);
    const b = randn([N], f64).add(1);
    expect(a.handle).not.toBe(b.handle);
  });

  it('stays the same size over a long loop of steps in tidy', () => {
    emptyCache();
    const w = randn([64, 64]).requiresGrad_(true);
    const x = randn([32, 64]);
    const step = () =>
      tidy(() => {
        const loss = x.matmul(w).sigmoid().square().mean();
        loss.backward();
        w.grad = null;
        return loss.item();
      });
    step();
    step();
    const settled = cachedBytes();
    expect(settled).toBeGreaterThan(0);
    for (let i = 0; i < 200; i++) step();
    expect(cachedBytes()).toBe(settled);
  });

  it('setCacheLimit bounds the pool of typed arrays and emptyCache releases it', () => {
    // float64 storage is always a JavaScript typed array (resident wasm blocks are float32, and not capped: see
    // the resident tests below).
    const f64 = () => randn([N], { dtype: 'float64' });
    emptyCache();
    const base = cachedBytes(); // free resident blocks left by earlier tests stay listed
    setCacheLimit(N * 8 * 2);
    tidy(() => {
      for (let i = 0; i < 5; i++) f64().add(i);
    });
    expect(cachedBytes() - base).toBeLessThanOrEqual(N * 8 * 2);
    expect(cachedBytes() - base).toBeGreaterThan(0);
    emptyCache();
    expect(cachedBytes()).toBe(base);
    setCacheLimit(0);
    tidy(() => f64().add(1).sum());
    expect(cachedBytes()).toBe(base);
    expect(() => setCacheLimit(-1)).toThrow(/setCacheLimit: expected a number of bytes >= 0, got -1/);
  });

  it('a disposed tensor still refuses to be used', () => {
    const t = randn([N]).add(1);
    t.dispose();
    randn([N]).add(2); // takes t's array
    expect(() => t.add(1)).toThrow(/used after dispose/);
  });

  it('gradients computed inside tidy die with it (their arrays recycled); optimizer-style state kept survives', () => {
    emptyCache();
    const w = randn([N]).requiresGrad_(true);
    let state: Tensor | null = null;
    tidy(() => {
      w.mul(w).sum().backward();
      state = keep(zeros([N]));
      state.add_(w.grad!);
    });
    expect(w.grad!.isDisposed).toBe(true);
    expect(state!.isDisposed).toBe(false);
    expect(cachedBytes()).toBeGreaterThanOrEqual(N * 4);
    const s = Array.from(state!.dataSync());
    for (let i = 0; i < 3; i++) tidy(() => randn([N]).add(1).mul(2));
    expect(Array.from(state!.dataSync())).toEqual(s);
  });

  it('tensors returned from tidy leave wasm memory (memory flat without GC); dropped pinned tensors come back through the FinalizationRegistry', async () => {
    const node = typeof process === 'object' && process.versions?.node !== undefined;
    if (!node || process.env.NNDL_CPU_KERNELS === 'ts') return;
    const { spawnSync } = await import(/* @vite-ignore */ 'node:child_process');
    const { fileURLToPath } = await import(/* @vite-ignore */ 'node:url');
    const child = fileURLToPath(new URL('./resident_gc_child.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NNDL_CPU_KERNELS: 'wasm' },
    });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    const result = JSON.parse(line || '{}') as Record<string, number | boolean>;
    expect(result.shared, run.stderr).toBeDefined();
    if (!result.shared) return; // no shared memory here: nothing is resident
    expect(result.flat).toBe(true);
    // The dropped pinned copy's block came back to the free lists.
    expect(result.afterGc as number).toBeGreaterThan(result.beforeGc as number);
  }, 90_000);

  it('pinMemory copies a float32 CPU tensor into the kernels memory (a plain detached copy elsewhere)', () => {
    const x = randn([N]).requiresGrad_(true);
    const pinned = x.pinMemory();
    expect(pinned.requiresGrad).toBe(false);
    expect(pinned.handle).not.toBe(x.handle);
    expect(Array.from(pinned.dataSync())).toEqual(Array.from(x.dataSync()));
    const backend = getBackend('cpu') as unknown as {
      arena: { shared: boolean; addressOf(a: Float32Array): number } | null;
    };
    if (backend.arena?.shared) {
      expect(backend.arena.addressOf(pinned.handle as Float32Array)).toBeGreaterThanOrEqual(0);
      expect(pinned.isPinned()).toBe(true);
    }
    expect(x.isPinned()).toBe(false);
    // Updated in place by the wasm scaled add (an optimizer's step), read back the same.
    const g = randn([N]);
    const expected = Array.from(pinned.dataSync(), (v, i) =>
      Math.fround(v + Math.fround(-0.5 * g.dataSync()[i]!)),
    );
    pinned.add_(g, -0.5);
    expect(Array.from(pinned.dataSync())).toEqual(expected);
    const small = randn([3]).pinMemory();
    expect(small.shape).toEqual([3]);
    expect(small.isPinned()).toBe(false); // under 256 elements: a plain copy
    const f64 = randn([N], { dtype: 'float64' }).pinMemory();
    expect(f64.dtype).toBe('float64');
    expect(f64.isPinned()).toBe(false);
    // A scoped resident result (inside tidy) is not pinned.
    expect(tidy(() => keep(x.mul(2))).isPinned()).toBe(false);
  });

  it('a view of a disposed tensor cannot be made (it would bring freed storage back)', () => {
    const w = randn([N]).requiresGrad_(true);
    tidy(() => w.mul(w).sum().backward());
    expect(w.grad!.isDisposed).toBe(true);
    expect(() => w.grad!.detach()).toThrow(/a view of a disposed tensor \(shape \[4096\]\) cannot be made/);
    expect(() => w.grad!.reshape([64, 64])).toThrow(/a view of a disposed tensor/);
    expect(() => w.grad!.pinMemory()).toThrow(
      /pinMemory: the tensor \(shape \[4096\]\) was used after dispose/,
    );
  });

  it('a view kept in a nested tidy of an outer scope result moves out when the outer scope ends', () => {
    const backend = getBackend('cpu') as unknown as {
      arena: { shared: boolean; addressOf(a: Float32Array): number; memoryBytes(): number } | null;
    };
    const x = randn([N]);
    let last: Tensor | null = null;
    const step = () =>
      tidy(() => {
        const a = x.sigmoid(); // a resident result of the outer scope
        tidy(() => {
          last = keep(a.reshape([64, 64])); // shares a's storage: cannot move out while a is alive
        });
      });
    step();
    const settled = backend.arena?.memoryBytes() ?? 0;
    for (let i = 0; i < 300; i++) step();
    expect(backend.arena?.memoryBytes() ?? 0).toBe(settled);
    // The kept view outlived both scopes with its values, outside wasm memory.
    if (backend.arena?.shared) expect(backend.arena.addressOf(last!.handle as Float32Array)).toBe(-1);
    expect(last!.dataSync()[5]).toBeCloseTo(1 / (1 + Math.exp(-x.dataSync()[5]!)), 6);
  });
});
