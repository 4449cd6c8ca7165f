import { LazyUniversality } from '../../../src/lessons/lazy';

export const metadata = { title: 'Universality · Lessons · nndl dashboard' };

export default function UniversalityPage() {
  return (
    <>
      <h1>Universality</h1>
      <div className="explain small">
        <p>
          A network with one hidden layer can approximate any continuous function. The picture proof (chapter
          4 of Nielsen's book): give a sigmoid neuron a large weight w and it becomes a step, at s = -b / w.
          Two steps, one added with output weight +h and one with -h, make a bump of height h. Line up enough
          bumps and they follow any curve, here f(x) = 0.2 + 0.4x² + 0.3x sin(15x) + 0.05 cos(50x).
        </p>
        <p>
          Drag the bumps' tops up and down and their edges left and right (or focus a handle and use the arrow
          keys), or set the number of bumps; the network is evaluated by @nndl/tensor at 401 points and its
          mean absolute error against f is shown. Then press Fit to let SGD train the same network, 2 hidden
          neurons a bump, and watch where it puts its steps.
        </p>
      </div>
      <LazyUniversality />
    </>
  );
}
