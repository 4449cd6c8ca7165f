import Link from 'next/link';
import { LazyVanishingGradients } from '../../../src/lessons/lazy';

export const metadata = { title: 'Vanishing gradients · Lessons · nndl dashboard' };

export default function VanishingGradientsPage() {
  return (
    <>
      <h1>Vanishing gradients</h1>
      <div className="explain small">
        <p>
          Why are deep networks hard to train? Chapter 5 of Nielsen's book measures how fast each layer
          learns: the length of the gradient of the cost with respect to the layer's biases, ‖∂C/∂b‖, averaged
          over 1,000 training images, in a freshly initialized network. Adding layers does not help the way
          one hopes: each hidden layer learns several times slower than the one after it, so the first layers
          of a deep sigmoid network hardly learn at all.
        </p>
        <p>
          Here are the book's three networks and its numbers, beside nndl's, computed now in a Web Worker on
          the first 1,000 bundled training digits (the ones the <Link href="/playground">playground</Link>{' '}
          trains on). The networks are the book's network2.py: sigmoid layers of 30, weights N(0, 1/n
          <sub>in</sub>), biases N(0, 1), cross-entropy cost. The book's single initialization is a random
          draw; nndl shows five seeds.
        </p>
      </div>
      <LazyVanishingGradients />
    </>
  );
}
