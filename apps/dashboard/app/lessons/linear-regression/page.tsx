import { LazyLinearRegression } from '../../../src/lessons/lazy';

export const metadata = { title: 'Linear regression · Lessons · nndl dashboard' };

export default function LinearRegressionPage() {
  return (
    <>
      <h1>Linear regression</h1>
      <div className="explain small">
        <p>
          The smallest model there is: ŷ = b + w x, fitted to noisy points of y = 2x + 3 by gradient descent
          on the mean squared error L = mean((ŷ - y)²). It is fitted twice, from the same random start. First
          the gradients are written out by hand, as the PyTorch book does first (chapter 3 of{' '}
          <i>Deep Learning with PyTorch Step-by-Step</i>): ∂L/∂b = 2 mean(ŷ - y) and ∂L/∂w = 2 mean(x (ŷ -
          y)). Then autograd does the same: <code>loss.backward()</code> fills <code>w.grad</code> and{' '}
          <code>b.grad</code>, and the update runs under <code>noGrad</code>.
        </p>
        <p>
          Both paths should agree to the last digits of float32, and both should land near w = 2, b = 3 (off
          by as much as the noise allows). Everything is @nndl/tensor on the CPU backend, a few epochs per
          animation frame.
        </p>
      </div>
      <LazyLinearRegression />
    </>
  );
}
