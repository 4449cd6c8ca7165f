import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CIFAR10 } from '../src/datasets/cifar10.js';
import { parseIdx } from '../src/datasets/idx.js';
import { FashionMNIST, MNIST } from '../src/datasets/mnist.js';
import { loadCIFAR10, loadMNIST } from '../src/node/loaders.js';
import { gzip, idxBytes, tinyMnist, withTempDir } from './helpers.js';

/** Write the four MNIST files (train and test the same tiny set), optionally gzipped or replaced. */
async function writeMnist(dir: string, n: number, replace: Record<string, Uint8Array> = {}, gz = false) {
  const { images, labels } = tinyMnist(n, 28, 28);
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': images,
    'train-labels-idx1-ubyte': labels,
    't10k-images-idx3-ubyte': images,
    't10k-labels-idx1-ubyte': labels,
    ...replace,
  };
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(dir, gz ? `${name}.gz` : name), gz ? gzip(bytes) : bytes);
  }
}

describe('crafted MNIST files', () => {
  test('reads plain and gzipped IDX files alike', async () => {
    await withTempDir(async (dir) => {
      await writeMnist(dir, 12);
      const plain = await loadMNIST(dir);
      expect(plain.length).toBe(12);
      expect([...plain.targets]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
      expect(plain.get(1)[0].dataSync()[0]).toBeCloseTo(7 / 255, 7);
    });
    await withTempDir(async (dir) => {
      await writeMnist(dir, 12, {}, true);
      expect((await loadMNIST(dir, { split: 'test' })).length).toBe(12);
    });
  });

  test('wrong magic number names the file and both numbers', async () => {
    await withTempDir(async (dir) => {
      const { images } = tinyMnist(3, 28, 28);
      const bad = images.slice();
      bad[3] = 0x01; // 0x00000801: a labels file where images belong
      await writeMnist(dir, 3, { 'train-images-idx3-ubyte': bad });
      await expect(loadMNIST(dir)).rejects.toThrow(
        `${join(dir, 'train-images-idx3-ubyte')}: wrong magic number 0x00000801, expected 0x00000803 (IDX images)`,
      );
    });
  });

  test('truncated images, trailing bytes and a truncated header', async () => {
    await withTempDir(async (dir) => {
      const { images } = tinyMnist(3, 28, 28);
      await writeMnist(dir, 3, { 'train-images-idx3-ubyte': images.subarray(0, images.length - 100) });
      await expect(loadMNIST(dir)).rejects.toThrow(
        /train-images-idx3-ubyte: truncated: the header says \[3 x 28 x 28\] \(2368 bytes\), the file has 2268/,
      );
    });
    const { images, labels } = tinyMnist(2, 2, 2);
    const longer = new Uint8Array(images.length + 5);
    longer.set(images);
    expect(() => parseIdx(longer, 'x.idx', 0x803)).toThrow(
      'x.idx: 5 unexpected bytes after the [2 x 2 x 2] data',
    );
    expect(() => parseIdx(images.subarray(0, 9), 'y.idx', 0x803)).toThrow(
      'y.idx: truncated: 9 bytes, the IDX images header needs 16',
    );
    expect(() => parseIdx(gzip(labels), 'z.idx', 0x801)).toThrow('z.idx: is gzip-compressed');
  });

  test('a truncated .gz file names the file', async () => {
    await withTempDir(async (dir) => {
      await writeMnist(dir, 3, {}, true);
      const { images } = tinyMnist(3, 28, 28);
      const cut = gzip(images);
      await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), cut.subarray(0, cut.length - 20));
      await expect(loadMNIST(dir)).rejects.toThrow(
        /train-images-idx3-ubyte\.gz: corrupt or truncated gzip data/,
      );
    });
  });

  test('image and label counts that differ', async () => {
    await withTempDir(async (dir) => {
      await writeMnist(dir, 4, { 'train-labels-idx1-ubyte': idxBytes(0x801, [3], [1, 2, 3]) });
      await expect(loadMNIST(dir)).rejects.toThrow(
        /MNIST: .*train-images-idx3-ubyte has 4 images but .*train-labels-idx1-ubyte has 3 labels/,
      );
    });
  });

  test('labels out of range, missing files', async () => {
    const { images } = tinyMnist(2, 2, 2);
    expect(() =>
      FashionMNIST.fromIdx({ name: 'i', bytes: images }, { name: 'l', bytes: idxBytes(0x801, [2], [1, 12]) }),
    ).toThrow('l: label 12 at index 1 is not in 0..9');
    await withTempDir(async (dir) => {
      await expect(loadMNIST(dir)).rejects.toThrow(/MNIST: none of train-images-idx3-ubyte\[\.gz\]/);
    });
    const fashion = FashionMNIST.fromIdx(
      { name: 'i', bytes: images },
      { name: 'l', bytes: idxBytes(0x801, [2], [0, 9]) },
    );
    expect(fashion.classes[9]).toBe('Ankle boot');
    expect(fashion).toBeInstanceOf(MNIST);
  });
});

describe('crafted CIFAR-10 files', () => {
  const record = (label: number, value: number) => {
    const r = new Uint8Array(3073).fill(value);
    r[0] = label;
    return r;
  };

  test('reads batches in order, plain or gzipped, with class names from batches.meta.txt', async () => {
    await withTempDir(async (dir) => {
      const one = new Uint8Array([...record(3, 10), ...record(5, 20)]);
      await writeFile(join(dir, 'data_batch_1.bin'), one);
      await writeFile(join(dir, 'data_batch_2.bin.gz'), gzip(record(7, 30)));
      await writeFile(join(dir, 'test_batch.bin'), record(1, 40));
      await writeFile(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
      const train = await loadCIFAR10(dir);
      expect([...train.targets]).toEqual([3, 5, 7]);
      expect(train.classes).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
      expect(train.get(2)[0].dataSync()[3071]).toBeCloseTo(30 / 255, 7);
      expect((await loadCIFAR10(dir, { train: false })).length).toBe(1);
    });
  });

  test('a file whose size is not a multiple of 3,073 bytes, nothing half-loaded', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'data_batch_1.bin'), record(1, 1));
      await writeFile(join(dir, 'data_batch_2.bin'), record(1, 1).subarray(0, 3000));
      await expect(loadCIFAR10(dir)).rejects.toThrow(
        /data_batch_2\.bin: 3000 bytes is not a multiple of 3073 \(1 label \+ 3,072 pixel bytes per record\)/,
      );
    });
    expect(() => CIFAR10.fromBinary([{ name: 'x.bin', bytes: record(10, 0) }])).toThrow(
      'x.bin: record 0 has label 10, expected 0..9',
    );
  });
});
