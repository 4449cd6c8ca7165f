/** What the vanishing-gradients page and its worker say to each other (through comlink). */

/** The book's three networks: two, three and four hidden layers of 30 sigmoid neurons. */
export const NETWORKS = [
  { hiddenLayers: 2, sizes: [784, 30, 30, 10] },
  { hiddenLayers: 3, sizes: [784, 30, 30, 30, 10] },
  { hiddenLayers: 4, sizes: [784, 30, 30, 30, 30, 10] },
] as const;

/**
 * The book's speeds of learning at initialization, hidden layers first to last: the first entries of
 * norms_during_training_{2,3,4}_layers.json (mnielsen/neural-networks-and-deep-learning, fig/), which chapter 5
 * quotes rounded (0.07 and 0.31, ...).
 */
export const BOOK_INITIAL_SPEEDS: Record<number, readonly number[]> = {
  2: [0.0657, 0.3092],
  3: [0.0118, 0.06, 0.2831],
  4: [0.003, 0.0171, 0.0695, 0.2851],
};

/** The book's training for its speed curves (generate_gradient.py): full batch of 1,000 images, eta 0.1, lambda 5. */
export const BOOK_TRAINING = { images: 1000, eta: 0.1, lambda: 5, epochs: 500 } as const;

export interface EpochSpeeds {
  epoch: number;
  /** ‖dC/db‖ of each hidden layer, first to last, before this epoch's update. */
  speeds: number[];
  cost: number;
}

export interface VanishingApi {
  /** Fetch the bundled digits; the first 1,000 training images are the probe set, as in the book. */
  start(digitsUrl: string): Promise<{ images: number }>;
  /** Each seed's speeds of learning of the hidden layers at initialization. */
  initialSpeeds(hiddenLayers: number, seeds: number[]): number[][];
  /** A new network for `train`. */
  configure(hiddenLayers: number, seed: number): void;
  /** Train as the book did for at most `maxEpochs` epochs or about `budgetMs`, recording each epoch's speeds. */
  train(maxEpochs: number, budgetMs: number): EpochSpeeds[];
}
