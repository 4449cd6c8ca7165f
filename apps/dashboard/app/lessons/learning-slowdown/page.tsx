import { LazyLearningSlowdown } from '../../../src/lessons/lazy';

export const metadata = { title: 'Learning slowdown · Lessons · nndl dashboard' };

export default function LearningSlowdownPage() {
  return (
    <>
      <h1>Learning slowdown</h1>
      <div className="explain small">
        <p>
          One sigmoid neuron, one input x = 1, and one lesson to learn: output 0 instead of what it outputs
          now. With the quadratic cost C = (a - y)² / 2 the gradient is ∂C/∂w = (a - y) σ′(z) x, and σ′(z) is
          tiny when the neuron is saturated. Started from w = 2, b = 2 (output 0.98, badly wrong) it barely
          moves for the first hundred epochs: it learns slowest exactly when it is most wrong, unlike a
          person.
        </p>
        <p>
          The cross-entropy cost C = -[y ln a + (1 - y) ln(1 - a)] has ∂C/∂w = (a - y) x: the σ′ is gone, the
          larger the error the faster the learning. Both neurons below are trained live by @nndl/tensor's
          autograd and SGD with η = 0.15, 300 epochs (chapter 3 of Nielsen's book; the book's own
          cross-entropy figures use η = 0.005, which you can select).
        </p>
      </div>
      <LazyLearningSlowdown />
    </>
  );
}
