/** nndl bench: a quick check of this machine's speed (pnpm bench runs the full comparison with TensorFlow.js). */

import { F, optim } from '@nndl/nn';
import { NielsenNetwork } from '@nndl/nn/models';
import { manualSeed, oneHot, randint, randn, tidy } from '@nndl/tensor';
import { table } from '../format.js';

function time(fn: () => void, minMs = 300): number {
  fn();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    runs++;
  }
  return (performance.now() - start) / runs;
}

export async function benchCommand(_args: string[]): Promise<number> {
  manualSeed(0);
  const rows: (string | number)[][] = [];
  for (const n of [64, 256, 512]) {
    const a = randn([n, n]);
    const b = randn([n, n]);
    const ms = time(() => a.matmul(b));
    rows.push([`matmul ${n}x${n}`, `${ms.toFixed(3)} ms`, `${((2 * n ** 3) / ms / 1e6).toFixed(2)} GFLOP/s`]);
  }
  const net = new NielsenNetwork([784, 30, 10], { init: 'large' });
  const opt = new optim.SGD(net.parameters(), { lr: 3 });
  const x = randn([10, 784]);
  const y = oneHot(randint(0, 10, [10]), 10, 'float32');
  // In tidy, as the Trainer runs a step (its arrays are recycled for the next one).
  const step = time(() =>
    tidy(() => {
      opt.zeroGrad();
      F.nielsenQuadraticCost(net.call(x), y).backward();
      opt.step();
    }),
  );
  rows.push([
    '[784,30,10] SGD step, batch 10',
    `${(step * 1000).toFixed(1)} us`,
    `epoch of 50,000 ~ ${((step * 5000) / 1000).toFixed(2)} s`,
  ]);
  console.log(table(['case', 'time', 'rate'], rows));
  console.log(
    '\nFor the side-by-side comparison with TensorFlow.js (cpu and wasm), run `pnpm bench` in the repository.',
  );
  return 0;
}
