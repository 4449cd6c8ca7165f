import { LazyPerceptrons } from '../../../src/lessons/lazy';

export const metadata = { title: 'Perceptrons · Lessons · nndl dashboard' };

export default function PerceptronsPage() {
  return (
    <>
      <h1>Perceptrons</h1>
      <div className="explain small">
        <p>
          A perceptron weighs its inputs, adds a bias and fires (outputs 1) when the total is positive. With
          weights -2, -2 and bias 3 it is a NAND gate: only the input (1, 1) gives -1 and makes it stay
          silent. Since any logical circuit can be built from NAND gates, a network of perceptrons can compute
          anything a computer can. Edit the weights and bias and the table, the map and the adder below all
          follow.
        </p>
        <p>
          A sigmoid neuron replaces the hard step by σ(z) = 1 / (1 + e<sup>-z</sup>): a small change in a
          weight now makes a small change in the output, which is what lets a network learn by gradient
          descent. Scale its weights and bias by c and it turns back into the perceptron as c grows (chapter 1
          of Nielsen's <i>Neural Networks and Deep Learning</i>). Every number here is computed by
          @nndl/tensor in your browser.
        </p>
      </div>
      <LazyPerceptrons />
    </>
  );
}
