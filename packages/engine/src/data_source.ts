/** What a run trains and evaluates on. In Node, `loadData` (engine/node) builds it from the spec. */
import { type Dataset, TensorDataset } from '@nndl/data';
import { Generator, rand, randn } from '@nndl/tensor';

export interface DataSource {
  /** Yields [input, target] samples; ImageDatasets batch fast through `getBatch`. */
  train: Dataset;
  /**
   * The training set without random augmentations (deterministic transforms such as Normalize kept): what training
   * cost and accuracy are measured on, and where the gradient probes take their fixed batch. Default: `train`.
   */
  trainForEvaluation?: Dataset;
  /** The evaluation set the spec names (validation or test). */
  evaluation: Dataset;
  /** What the evaluation set is, for messages ('MNIST test', ...). */
  description: string;
}

/** The PyTorch book's regression data: x uniform in [0, 2), y = 2x + 3 + N(0, 0.1^2). */
export function linearData(samples: number, seed: number): DataSource {
  const generator = new Generator(seed);
  const make = (n: number) => {
    const x = rand([n, 1], { generator }).mul(2);
    const y = x
      .mul(2)
      .add(3)
      .add(randn([n, 1], { generator }).mul(0.1));
    return new TensorDataset(x, y);
  };
  return {
    train: make(samples),
    evaluation: make(Math.max(10, Math.floor(samples / 5))),
    description: 'y = 2x + 3 + noise',
  };
}
