/**
 * The PyTorch book's first example: fit y = 2x + 3 + noise with autograd and plain gradient descent.
 *
 *   pnpm start            (from the repository root)
 */
import { manualSeed, noGrad, rand, randn, tensor } from '@nndl/tensor';

manualSeed(42);

// 100 points on the line y = 2x + 3, with Gaussian noise of standard deviation 0.1.
const x = rand([100, 1]).mul(2);
const y = x
  .mul(2)
  .add(3)
  .add(randn([100, 1]).mul(0.1));

const w = tensor([[0]], { dtype: 'float32', requiresGrad: true });
const b = tensor([0], { dtype: 'float32', requiresGrad: true });
const learningRate = 0.1;

for (let epoch = 1; epoch <= 1000; epoch++) {
  const prediction = x.matmul(w).add(b);
  const loss = prediction.sub(y).pow(2).mean();
  loss.backward();
  noGrad(() => {
    w.sub_(w.grad!.mul(learningRate));
    b.sub_(b.grad!.mul(learningRate));
  });
  w.grad = null;
  b.grad = null;
  if (epoch % 200 === 0) console.log(`epoch ${String(epoch).padStart(4)}  loss ${loss.item().toFixed(6)}`);
}

console.log(`fitted w = ${w.item().toFixed(4)} (true 2), b = ${b.item().toFixed(4)} (true 3)`);
