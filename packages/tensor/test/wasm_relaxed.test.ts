/**
 * Relaxed SIMD (fused multiply-add) in Node: on by default, also on Node 20 where V8 keeps it behind a flag that the
 * loader sets; NNDL_WASM_RELAXED=0 keeps plain SIMD. Either way the kernels agree with the TypeScript ones (the
 * conformance tests run on whichever module loaded).
 */
import { describe, expect, it } from 'vitest';
import { cpuWasmModule, createCpuBackend } from '../src/backends/cpu/index.js';
import { loadThreadedWasmKernels, loadWasmKernels } from '../src/backends/cpu/wasm/module.js';

const node = typeof process === 'object' && process.versions?.node !== undefined;
const builtin = (name: string) => import(/* @vite-ignore */ `node:${name}`);

describe.runIf(node && loadWasmKernels() !== null)('relaxed SIMD in Node', () => {
  it('loads the relaxed-SIMD module unless NNDL_WASM_RELAXED=0', () => {
    const kind = loadWasmKernels()!.kind;
    expect(kind).toBe(process.env.NNDL_WASM_RELAXED === '0' ? 'simd' : 'relaxed-simd');
  });

  it('cpuWasmModule() names the module a CPU backend runs (null for the TypeScript kernels)', () => {
    // One thread still runs the threads build where it loads (its shared memory can hold tensors), without a worker.
    const oneThread = loadThreadedWasmKernels(false) ?? loadWasmKernels()!;
    expect(cpuWasmModule(createCpuBackend({ kernels: 'wasm', threads: 1 }))).toBe(oneThread.kind);
    expect(cpuWasmModule(createCpuBackend({ kernels: 'ts' }))).toBeNull();
  });

  it('NNDL_WASM_RELAXED=0 keeps the plain SIMD module (and V8 flags untouched)', async () => {
    const { spawnSync } = await builtin('child_process');
    const { fileURLToPath } = await builtin('url');
    const module = fileURLToPath(new URL('../src/backends/cpu/wasm/module.ts', import.meta.url));
    const script = `import('${module}').then((m) => console.log('kind', m.loadWasmKernels()?.kind))`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, ...env },
      });
    const plain = run({ NNDL_WASM_RELAXED: '0' });
    expect(plain.stdout, plain.stderr).toContain('kind simd');
    const relaxed = run({ NNDL_WASM_RELAXED: '' });
    expect(relaxed.stdout, relaxed.stderr).toContain('kind relaxed-simd');
  }, 60_000);
});
