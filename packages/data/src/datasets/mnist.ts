import { Generator } from '@nndl/tensor';
import { randperm } from '../random.js';
import { SHIFTS, shiftImage } from '../transforms.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from './idx.js';
import { ImageDataset, type ImageDatasetOptions } from './image-dataset.js';

/**
 * The splits: the standard 60,000 `train` and 10,000 `test`, and Nielsen's split of the training file, its first
 * 50,000 images (`nielsen-train`) and last 10,000 (`nielsen-validation`).
 */
export type MnistSplit = 'train' | 'test' | 'nielsen-train' | 'nielsen-validation';

export interface IdxFile {
  /** File name, for errors. */
  name: string;
  /** Uncompressed IDX bytes. */
  bytes: Uint8Array;
}

export interface MnistFromIdxOptions extends ImageDatasetOptions {
  /** Keep images [start, end) only (default: all). */
  range?: [number, number];
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * MNIST: 28x28 grayscale digits, images [1, 28, 28] in [0, 1] with labels 0..9. In Node, `loadMNIST(root)` from
 * `@nndl/data/node` reads the four IDX files (gzipped or not); anywhere, `MNIST.fromIdx` parses bytes you fetched.
 *
 * @example
 * const test = MNIST.fromIdx({ name: 't10k-images-idx3-ubyte', bytes: images },
 *                            { name: 't10k-labels-idx1-ubyte', bytes: labels });
 */
export class MNIST extends ImageDataset {
  static readonly classNames: readonly string[] = DIGITS;

  /** Parse an images file and a labels file; errors name the file and the fault. */
  static fromIdx<T extends typeof MNIST>(
    this: T,
    images: IdxFile,
    labels: IdxFile,
    options: MnistFromIdxOptions = {},
  ): InstanceType<T> {
    const imageArray = parseIdx(images.bytes, images.name, IDX_IMAGES_MAGIC);
    const labelArray = parseIdx(labels.bytes, labels.name, IDX_LABELS_MAGIC);
    const [count, height, width] = imageArray.dims as [number, number, number];
    const labelCount = labelArray.dims[0]!;
    if (count !== labelCount) {
      throw new Error(
        `${this.name}: ${images.name} has ${count} images but ${labels.name} has ${labelCount} labels; they must match`,
      );
    }
    const classCount = this.classNames.length;
    for (let i = 0; i < labelCount; i++) {
      if (labelArray.data[i]! >= classCount) {
        throw new Error(
          `${labels.name}: label ${labelArray.data[i]} at index ${i} is not in 0..${classCount - 1}`,
        );
      }
    }
    const [start, end] = options.range ?? [0, count];
    if (!(start >= 0 && end <= count && start <= end)) {
      throw new Error(
        `${this.name}: range [${start}, ${end}) is outside the ${count} images of ${images.name}`,
      );
    }
    const size = height * width;
    const dataset = new this({
      name: this.name,
      images: imageArray.data.subarray(start * size, end * size),
      targets: Int32Array.from(labelArray.data.subarray(start, end)),
      shape: [1, height, width],
      classes: this.classNames,
      transform: options.transform,
      targetTransform: options.targetTransform,
    });
    return dataset as InstanceType<T>;
  }
}

/** Fashion-MNIST: Zalando's drop-in replacement of MNIST (same files, same layout, ten kinds of clothing). */
export class FashionMNIST extends MNIST {
  static override readonly classNames: readonly string[] = [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ];
}

/** The image range of a split within its file (train and Nielsen's splits read the training file). */
export function splitRange(split: MnistSplit, count: number): [number, number] {
  switch (split) {
    case 'nielsen-train':
      return [0, Math.min(50_000, count)];
    case 'nielsen-validation':
      return [Math.min(50_000, count), count];
    default:
      return [0, count];
  }
}

/**
 * Nielsen's expanded training set (expand_mnist.py): each image followed by its four one-pixel shifts (down, up,
 * right, left; the wrapped row or column zeroed), so 50,000 images give 250,000. Deterministic: in that order, or
 * shuffled by `seed` when given (Nielsen shuffles with Python's random, which this doesn't reproduce).
 *
 * @example
 * const expanded = expandMnist(await loadMNIST(root, { split: 'nielsen-train' })); // 250,000 images
 */
export function expandMnist<T extends ImageDataset>(dataset: T, options: { seed?: number } = {}): T {
  return expandImages(dataset, options);
}

function expandImages<T extends ImageDataset>(dataset: T, options: { seed?: number }): T {
  const [channels, height, width] = dataset.shape;
  const size = dataset.imageSize;
  const n = dataset.length;
  const count = n * SHIFTS.length;
  const images = new Uint8Array(count * size);
  const targets = new Int32Array(count);
  const order = options.seed === undefined ? undefined : randperm(count, new Generator(options.seed));
  // Write expanded image k to position order[k] (a permutation), so the shuffled set needs no second copy.
  for (let i = 0; i < n; i++) {
    const source = dataset.images.subarray(i * size, (i + 1) * size);
    for (let s = 0; s < SHIFTS.length; s++) {
      const k = i * SHIFTS.length + s;
      const at = order === undefined ? k : order[k]!;
      shiftImage(source, channels, height, width, SHIFTS[s]!, images.subarray(at * size, (at + 1) * size));
      targets[at] = dataset.targets[i]!;
    }
  }
  const expanded = dataset.slice(0, 0, `${dataset.name} (expanded)`);
  expanded.images = images;
  expanded.targets = targets;
  return expanded;
}
