import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CIFAR10, parseCifarMeta } from '../datasets/cifar10.js';
import type { ImageDatasetOptions } from '../datasets/image-dataset.js';
import { ImageFolder, type ImageFolderEntry, type ImageFolderOptions } from '../datasets/image-folder.js';
import { FashionMNIST, MNIST, type MnistSplit, splitRange } from '../datasets/mnist.js';
import { findFile, readMaybeGzipped } from './files.js';

export interface LoadMnistOptions extends ImageDatasetOptions {
  /** 'train' (60,000, default), 'test' (10,000), 'nielsen-train' (first 50,000), 'nielsen-validation' (last 10,000). */
  split?: MnistSplit;
}

function idxNames(prefix: 'train' | 't10k', kind: 'images' | 'labels'): string[] {
  const rank = kind === 'images' ? 3 : 1;
  // The official names, and the dotted variant some mirrors use.
  return [`${prefix}-${kind}-idx${rank}-ubyte`, `${prefix}-${kind}.idx${rank}-ubyte`];
}

async function loadIdxPair<T extends typeof MNIST>(
  cls: T,
  root: string,
  split: MnistSplit,
  options: ImageDatasetOptions,
): Promise<InstanceType<T>> {
  const prefix = split === 'test' ? 't10k' : 'train';
  // One after the other, so that when both are missing the error always names the images file first.
  const imagesPath = await findFile(root, idxNames(prefix, 'images'), cls.name);
  const labelsPath = await findFile(root, idxNames(prefix, 'labels'), cls.name);
  const [images, labels] = await Promise.all([readMaybeGzipped(imagesPath), readMaybeGzipped(labelsPath)]);
  const count = labels.length >= 8 ? new DataView(labels.buffer, labels.byteOffset).getUint32(4) : 0;
  return cls.fromIdx(
    { name: imagesPath, bytes: images },
    { name: labelsPath, bytes: labels },
    { ...options, range: splitRange(split, count) },
  );
}

/**
 * MNIST from a folder with the four standard IDX files (gzipped or not).
 *
 * @example
 * const train = await loadMNIST('../shared/data/mnist', { split: 'nielsen-train' }); // 50,000 images
 */
export function loadMNIST(root: string, options: LoadMnistOptions = {}): Promise<MNIST> {
  return loadIdxPair(MNIST, root, options.split ?? 'train', options);
}

/** Fashion-MNIST from a folder with its four IDX files (same layout as MNIST). */
export function loadFashionMNIST(root: string, options: LoadMnistOptions = {}): Promise<FashionMNIST> {
  return loadIdxPair(FashionMNIST, root, options.split ?? 'train', options);
}

/**
 * Nielsen's three sets at once (the training file is read once): train (50,000), validation (10,000), test.
 *
 * @example
 * const { train, validation, test } = await loadNielsenMNIST(root);
 */
export async function loadNielsenMNIST(
  root: string,
  options: ImageDatasetOptions = {},
): Promise<{ train: MNIST; validation: MNIST; test: MNIST }> {
  const [all, test] = await Promise.all([
    loadIdxPair(MNIST, root, 'train', options),
    loadIdxPair(MNIST, root, 'test', options),
  ]);
  const [start, end] = splitRange('nielsen-validation', all.length);
  return { train: all.slice(0, start), validation: all.slice(start, end), test };
}

export interface LoadCifarOptions extends ImageDatasetOptions {
  /** The training batches (data_batch_*, default) or the test batch (test_batch*). */
  train?: boolean;
}

/**
 * CIFAR-10 from its binary batches: data_batch_1..5.bin and test_batch.bin (gzipped or not), in `root` or in
 * `root/cifar-10-batches-bin` (where the official archive unpacks). Class names from batches.meta.txt if present.
 *
 * @example
 * const train = await loadCIFAR10(root, { train: true, transform: new RandomHorizontalFlip() });
 */
export async function loadCIFAR10(root: string, options: LoadCifarOptions = {}): Promise<CIFAR10> {
  const train = options.train ?? true;
  let folder = root;
  const nested = join(root, 'cifar-10-batches-bin');
  if ((await stat(nested).catch(() => undefined))?.isDirectory()) folder = nested;
  const names = await readdir(folder);
  const pattern = train ? /^data_batch_\d.*\.bin(\.gz)?$/ : /^test_batch.*\.bin(\.gz)?$/;
  const batches = names.filter((n) => pattern.test(n)).sort();
  if (batches.length === 0) {
    throw new Error(
      `CIFAR10: no ${train ? 'data_batch_N.bin' : 'test_batch.bin'} files in ${folder} (it has: ${names.join(', ')})`,
    );
  }
  const files = await Promise.all(
    batches.map(async (name) => ({
      name: join(folder, name),
      bytes: await readMaybeGzipped(join(folder, name)),
    })),
  );
  const classes = names.includes('batches.meta.txt')
    ? parseCifarMeta(await readFile(join(folder, 'batches.meta.txt'), 'utf8'))
    : undefined;
  return CIFAR10.fromBinary(files, { ...options, classes });
}

/**
 * An image folder (one sub-folder per class, PNG files) read and decoded at once.
 *
 * @example
 * const ds = await loadImageFolder('my-digits', { channels: 1 });
 * ds.classToIdx; // { '0': 0, '1': 1, ... }
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageFolder> {
  const entries: ImageFolderEntry[] = [];
  for (const dirent of await readdir(root, { withFileTypes: true })) {
    if (!dirent.isDirectory()) continue;
    const classDir = join(root, dirent.name);
    for (const file of (await readdir(classDir)).sort()) {
      if (!file.toLowerCase().endsWith('.png')) continue;
      const path = join(classDir, file);
      entries.push({ className: dirent.name, path, bytes: new Uint8Array(await readFile(path)) });
    }
  }
  if (entries.length === 0) throw new Error(`ImageFolder: no PNG files in class folders under ${root}`);
  return ImageFolder.fromEntries(entries, options);
}
