/** The lessons, in reading order: their addresses, titles and where they come from. */
export interface Lesson {
  slug: string;
  title: string;
  source: string;
  summary: string;
}

export const LESSONS: readonly Lesson[] = [
  {
    slug: 'perceptrons',
    title: 'Perceptrons',
    source: 'Nielsen, chapter 1',
    summary:
      'A perceptron that computes NAND, a two-bit adder built from it, and the sigmoid neuron as a soft step.',
  },
  {
    slug: 'learning-slowdown',
    title: 'Learning slowdown',
    source: 'Nielsen, chapter 3',
    summary:
      'One saturated sigmoid neuron learns slowly with the quadratic cost and quickly with cross-entropy.',
  },
  {
    slug: 'universality',
    title: 'Universality',
    source: 'Nielsen, chapter 4',
    summary: 'Steps and bumps from sigmoid neurons approximate any function; or let SGD place them.',
  },
  {
    slug: 'vanishing-gradients',
    title: 'Vanishing gradients',
    source: 'Nielsen, chapter 5',
    summary: "The book's three deep networks: earlier layers learn slower, measured on the bundled digits.",
  },
  {
    slug: 'linear-regression',
    title: 'Linear regression',
    source: 'the PyTorch book, chapter 3',
    summary: 'y = 2x + 3 + noise, fitted by gradient descent with hand-written gradients and with autograd.',
  },
];
