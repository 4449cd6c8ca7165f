/**
 * Where a training step's time goes: runs Nielsen's MLP or the two-conv net with every CPU kernel wrapped in a
 * timer, and prints per-kernel time per step beside the whole step (the rest is Tensor/autograd/optimizer code).
 *
 * `pnpm --filter @nndl/bench exec tsx --conditions=source src/profile_step.ts [mlp|cnn] [steps] [--shapes] [--no-tidy]`
 *
 * `--shapes` gives one row per kernel and input shapes (e.g. which of the six BatchMatMul calls costs most).
 * Steps run in `tidy` with pinned parameters, as the engine's Trainer runs them; `--no-tidy` does neither. The process
 * runs the CPU backend's default (two kernel threads in Node): prefix `NNDL_CPU_THREADS=1` for one. `WARMUP=n` sets
 * the warm-up steps (default 1,000: V8 tiers the code up over a process's first ~1,000 steps).
 */
import { chapter6Net, NielsenNetwork } from '@nndl/nn/models';
import { SGD } from '@nndl/nn/optim';
import { asTensor, Generator, getBackend, type TensorInfo, tidy } from '@nndl/tensor';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const byShape = process.argv.includes('--shapes');
// Steps run in tidy, as the Trainer runs them (arrays recycled); --no-tidy leaves every array to the GC.
const useTidy = !process.argv.includes('--no-tidy');
const model = args[0] ?? 'mlp';
const steps = Number(args[1] ?? (model === 'mlp' ? 3000 : 200));
const B = 10;
const rand = (n: number, seed: number) => {
  const g = new Generator(seed);
  return Float32Array.from({ length: n }, () => g.random());
};
const net =
  model === 'mlp'
    ? new NielsenNetwork([784, 30, 10], { init: 'large', generator: new Generator(1) })
    : chapter6Net('twoConv', { generator: new Generator(1) });
// Pinned parameters and steps in tidy, as the Trainer runs them (--no-tidy: neither).
if (useTidy) net.pinMemory();
const opt = new SGD(net.parameters(), { lr: model === 'mlp' ? 3 : 0.1 });
const pool = Array.from({ length: 20 }, (_, i) => {
  const labels = Int32Array.from({ length: B }, (_, j) => (i * 7 + j * 3) % 10);
  const oneHot = new Float32Array(B * 10);
  labels.forEach((l, j) => {
    oneHot[j * 10 + l] = 1;
  });
  return {
    x: asTensor(rand(B * 784, i + 1), model === 'mlp' ? [B, 784] : [B, 1, 28, 28]),
    y: model === 'mlp' ? asTensor(oneHot, [B, 10]) : asTensor(labels, [B]),
  };
});
const step = (i: number): number => (useTidy ? tidy(() => untidyStep(i)) : untidyStep(i));
const untidyStep = (i: number): number => {
  const { x, y } = pool[i % pool.length]!;
  opt.zeroGrad();
  const out = net.call(x);
  const loss =
    model === 'mlp'
      ? (net as NielsenNetwork).cost(out, y)
      : (net as ReturnType<typeof chapter6Net>).loss(out, y);
  loss.backward();
  opt.step();
  return loss.item();
};
// Warm-up (WARMUP steps, default 1,000): V8 tiers the code up over the first ~1,000 steps of a process.
for (let i = 0; i < Number(process.env.WARMUP ?? 1000); i++) step(i);
// Plain timing first.
let t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < steps; i++) step(i);
const plain = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(cpu0);
const cpuPerStep = (cpu.user + cpu.system) / 1000 / steps;
// Then with every kernel timed.
const times = new Map<string, { ms: number; calls: number }>();
const table = getBackend('cpu').kernels;
for (const [name, impl] of table) {
  const fn = impl.fn;
  table.set(name, {
    ...impl,
    fn: ((inputs: readonly TensorInfo[], attrs: never, backend: never) => {
      const s = performance.now();
      const r = fn(inputs, attrs, backend);
      const elapsed = performance.now() - s;
      const key = byShape ? `${name} ${inputs.map((t) => `[${t.shape}]`).join(' ')}` : name;
      const e = times.get(key) ?? { ms: 0, calls: 0 };
      e.ms += elapsed;
      e.calls++;
      times.set(key, e);
      return r;
    }) as typeof fn,
  });
}
for (let i = 0; i < 20; i++) step(i);
times.clear();
t0 = performance.now();
for (let i = 0; i < steps; i++) step(i);
const wrapped = (performance.now() - t0) / steps;
let kernelSum = 0;
const rows = [...times].sort((a, b) => b[1].ms - a[1].ms);
console.log(
  `${model}: ${steps} steps, ${(plain * 1000).toFixed(1)} us/step plain (epoch ${(plain * 5).toFixed(2)} s; process CPU ${(cpuPerStep * 1000).toFixed(1)} us/step), ${(wrapped * 1000).toFixed(1)} us/step with timers`,
);
for (const [name, { ms, calls }] of rows) {
  kernelSum += ms;
  console.log(
    `${name.padEnd(byShape ? 60 : 24)} ${((ms / steps) * 1000).toFixed(1).padStart(8)} us/step  ${(calls / steps).toFixed(1).padStart(5)} calls/step`,
  );
}
console.log(`${'kernels total'.padEnd(24)} ${((kernelSum / steps) * 1000).toFixed(1).padStart(8)} us/step`);
console.log(
  `${'outside kernels'.padEnd(24)} ${((wrapped - kernelSum / steps) * 1000).toFixed(1).padStart(8)} us/step`,
);
