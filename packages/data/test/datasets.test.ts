import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tensor } from '@nndl/tensor';
import { describe, expect, test } from 'vitest';
import { ConcatDataset, randomSplit, Subset, TensorDataset } from '../src/dataset.js';
import { BundledDigits } from '../src/datasets/bundled-digits.js';
import { loadCIFAR10, loadFashionMNIST, loadMNIST, loadNielsenMNIST } from '../src/node/loaders.js';
import { sharedData } from './helpers.js';

const mnistDir = sharedData && join(sharedData, 'mnist');
const cifarDir = sharedData && join(sharedData, 'cifar10-subset');

describe.skipIf(sharedData === undefined)('real MNIST (../shared/data/mnist)', () => {
  test('train and test: counts, class counts, first labels, pixel values', async () => {
    const [train, test] = await Promise.all([loadMNIST(mnistDir!), loadMNIST(mnistDir!, { split: 'test' })]);
    expect(train.length).toBe(60_000);
    expect(test.length).toBe(10_000);
    expect(train.classCounts()).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(test.classCounts()).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect([...train.targets.subarray(0, 10)]).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect([...test.targets.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const [image, label] = train.get(0);
    expect(label).toBe(5);
    expect(image.shape).toEqual([1, 28, 28]);
    expect(image.dtype).toBe('float32');
    const pixels = image.dataSync();
    // Row 6 of the first training image, as bytes / 255 (values read from the file with Python).
    const row6 = [
      0, 0, 0, 0, 0, 0, 0, 0, 30, 36, 94, 154, 170, 253, 253, 253, 253, 253, 225, 172, 253, 242, 195, 64,
    ];
    expect(Array.from(pixels.subarray(6 * 28, 6 * 28 + 24))).toEqual(row6.map((k) => Math.fround(k / 255)));
    expect(Array.from(pixels).reduce((a, b) => a + Math.round(b * 255), 0)).toBe(27525);
    const last = test.get(9999)[0].dataSync();
    expect(Array.from(last).reduce((a, b) => a + Math.round(b * 255), 0)).toBe(41833);
  });

  test("Nielsen's split: first 50,000 train, last 10,000 validate", async () => {
    const { train, validation, test } = await loadNielsenMNIST(mnistDir!);
    expect([train.length, validation.length, test.length]).toEqual([50_000, 10_000, 10_000]);
    expect([...validation.targets.subarray(0, 5)]).toEqual([3, 8, 6, 9, 6]);
    const alone = await loadMNIST(mnistDir!, { split: 'nielsen-validation' });
    expect(alone.get(0)[0].dataSync()).toEqual(validation.get(0)[0].dataSync());
    expect((await loadMNIST(mnistDir!, { split: 'nielsen-train' })).length).toBe(50_000);
  });

  test('BundledDigits are the first 10,000 MNIST training images, grouped by digit', async () => {
    const [all, train] = await Promise.all([BundledDigits.load({ split: 'all' }), loadMNIST(mnistDir!)]);
    expect(all.length).toBe(10_000);
    const firstTenThousand = train.slice(0, 10_000);
    expect(all.classCounts()).toEqual(firstTenThousand.classCounts());
    // Group MNIST's first 10,000 by digit, keeping their order, and compare bytes.
    let at = 0;
    for (let digit = 0; digit < 10; digit++) {
      for (let i = 0; i < 10_000; i++) {
        if (firstTenThousand.targets[i] !== digit) continue;
        const expected = firstTenThousand.images.subarray(i * 784, (i + 1) * 784);
        const actual = all.images.subarray(at * 784, (at + 1) * 784);
        if (!expected.every((v, k) => v === actual[k]))
          throw new Error(`bundled image ${at} differs from MNIST ${i}`);
        expect(all.targets[at]).toBe(digit);
        at++;
      }
    }
  });
});

// Installed by `apt-get install dataset-fashion-mnist` where available; skipped elsewhere.
const fashionDir = '/usr/share/datasets/fashion-mnist';
describe.skipIf(!existsSync(fashionDir))(`real Fashion-MNIST (${fashionDir})`, () => {
  test('counts and class counts', async () => {
    const [train, test] = await Promise.all([
      loadFashionMNIST(fashionDir),
      loadFashionMNIST(fashionDir, { split: 'test' }),
    ]);
    expect([train.length, test.length]).toEqual([60_000, 10_000]);
    expect(train.classCounts()).toEqual(new Array(10).fill(6000));
    expect(test.classCounts()).toEqual(new Array(10).fill(1000));
    expect(train.classes[9]).toBe('Ankle boot');
  });
});

describe.skipIf(sharedData === undefined)('real CIFAR-10 subset (../shared/data/cifar10-subset)', () => {
  test('counts, first labels, class names and pixel values', async () => {
    const [train, test] = await Promise.all([
      loadCIFAR10(cifarDir!, { train: true }),
      loadCIFAR10(cifarDir!, { train: false }),
    ]);
    expect(train.length).toBe(4000);
    expect(test.length).toBe(1000);
    expect([...train.targets.subarray(0, 5)]).toEqual([6, 9, 9, 4, 1]);
    expect([...test.targets.subarray(0, 5)]).toEqual([3, 8, 8, 0, 6]);
    expect(train.classCounts()).toEqual([396, 366, 420, 384, 422, 393, 414, 385, 407, 413]);
    expect(train.classes[6]).toBe('frog');
    const [image] = train.get(0);
    expect(image.shape).toEqual([3, 32, 32]);
    const px = image.dataSync();
    expect(Array.from(px.subarray(0, 3))).toEqual([59, 43, 50].map((k) => Math.fround(k / 255))); // red
    expect(Array.from(px.subarray(1024, 1027))).toEqual([62, 46, 48].map((k) => Math.fround(k / 255))); // green
    expect(Array.from(px.subarray(2048, 2051))).toEqual([63, 45, 43].map((k) => Math.fround(k / 255))); // blue
  });
});

describe('BundledDigits split', () => {
  test('is seeded: same seed, same split; train and test are disjoint and cover all', async () => {
    const [a, b, test, other] = await Promise.all([
      BundledDigits.load({ split: 'train', seed: 3 }),
      BundledDigits.load({ split: 'train', seed: 3 }),
      BundledDigits.load({ split: 'test', seed: 3 }),
      BundledDigits.load({ split: 'train', seed: 4 }),
    ]);
    expect(a.length).toBe(8000);
    expect(test.length).toBe(2000);
    expect(a.targets).toEqual(b.targets);
    expect(Buffer.compare(a.images, b.images)).toBe(0); // (toEqual on 6 MB of bytes takes half a minute)
    expect(other.targets).not.toEqual(a.targets);
    const counts = a.classCounts().map((c, i) => c + test.classCounts()[i]!);
    expect(counts.reduce((x, y) => x + y)).toBe(10_000);
    const [image, label] = a.get(0);
    expect(image.shape).toEqual([1, 28, 28]);
    expect(label).toBeGreaterThanOrEqual(0);
  });
});

describe('BundledDigits bytes', () => {
  test('fromBytes(toBytes()) gives the same split as load(), and bad bytes are refused', async () => {
    const bytes = await BundledDigits.toBytes();
    expect(bytes.length).toBe(10_000 * 785);
    const [loaded, fromBytes] = await Promise.all([
      BundledDigits.load({ split: 'test' }),
      Promise.resolve(BundledDigits.fromBytes(bytes, { split: 'test' })),
    ]);
    expect(fromBytes.targets).toEqual(loaded.targets);
    expect(Buffer.compare(fromBytes.images, loaded.images)).toBe(0);
    expect(() => BundledDigits.fromBytes(bytes.subarray(0, 1000))).toThrow(/a multiple of 785 bytes/);
    const bad = bytes.slice();
    bad[bad.length - 1] = 42;
    expect(() => BundledDigits.fromBytes(bad)).toThrow(/label 42 of image 9999 is not a digit/);
  });
});

describe('generic datasets', () => {
  const x = tensor([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const y = tensor([0, 1, 2], { dtype: 'int32' });

  test('TensorDataset rows and batches', () => {
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(3);
    const [row, label] = ds.get(1);
    expect(row!.toArray()).toEqual([3, 4]);
    expect(label!.item()).toBe(1);
    const [bx, by] = ds.getBatch([2, 0]);
    expect(bx!.toArray()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(by!.toArray()).toEqual([2, 0]);
    expect(() => ds.get(3)).toThrow('TensorDataset.get: index 3 is out of range [0, 3)');
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow(/same first dimension/);
  });

  test('Subset, ConcatDataset and randomSplit', () => {
    const ds = new TensorDataset(x, y);
    const sub = new Subset(ds, [2, 0]);
    expect(sub.length).toBe(2);
    expect(sub.get(0)[1]!.item()).toBe(2);
    expect(() => new Subset(ds, [5])).toThrow(/index 5 .* out of range/);
    const cat = new ConcatDataset([ds, sub]);
    expect(cat.length).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => cat.get(i)[1]!.item())).toEqual([0, 1, 2, 2, 0]);
    const [p, q] = randomSplit(ds, [2, 1], { seed: 7 });
    const [p2] = randomSplit(ds, [2, 1], { seed: 7 });
    expect([...p!.indices]).toEqual([...p2!.indices]);
    expect([...p!.indices, ...q!.indices].sort()).toEqual([0, 1, 2]);
    const fractions = randomSplit({ length: 10, get: (i: number) => i }, [0.75, 0.25], { seed: 1 });
    expect(fractions.map((s) => s.length)).toEqual([8, 2]);
    expect(() => randomSplit(ds, [1, 1])).toThrow(/summing to the dataset's length 3/);
  });
});
