import { conv2d } from './src/backends/cpu/conv2d.js';
import { wasmConv2d, setConvWinograd } from './src/backends/cpu/wasm/kernels.js';
import { loadWasmKernels } from './src/backends/cpu/wasm/module.js';
const arena = loadWasmKernels()!;
const k = wasmConv2d(arena, conv2d);
function rnd(n: number) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; }
function time(fn: () => void) { for (let i = 0; i < 300; i++) fn(); const s: number[] = []; for (let r = 0; r < 7; r++) { const t = performance.now(); for (let i = 0; i < 300; i++) fn(); s.push((performance.now() - t) / 300 * 1000); } return s.sort((a, b) => a - b)[3]!; }
const cases = process.argv[2] === 'all' ? [[10,20,12,40,0],[10,6,14,16,0],[10,8,14,16,0],[10,16,14,32,2],[10,32,16,64,2],[1,20,12,40,0]] : [[10,20,12,40,0]];
for (const [n, c, h, o, p] of cases) {
  const x = { handle: rnd(n*c*h*h), shape: [n,c,h,h], dtype: 'float32' as const };
  const wt = { handle: rnd(o*c*25), shape: [o,c,5,5], dtype: 'float32' as const };
  const attrs = { stride: [1,1], padding: [p,p], dilation: [1,1], groups: 1 };
  const res: string[] = [];
  for (const on of [false, true, false, true, false, true]) { setConvWinograd(on); res.push(`${on ? 'wino' : 'gemm'} ${time(() => k([x, wt], attrs as never, null as never)).toFixed(1)}`); }
  console.log([n,c,h,o,p].join(','), res.join('  '));
}
