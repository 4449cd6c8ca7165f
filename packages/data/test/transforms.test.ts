import { join } from 'node:path';
import { Generator, tensor } from '@nndl/tensor';
import { describe, expect, test } from 'vitest';
import { ImageDataset } from '../src/datasets/image-dataset.js';
import { expandMnist } from '../src/datasets/mnist.js';
import { loadMNIST } from '../src/node/loaders.js';
import {
  Compose,
  Lambda,
  Normalize,
  RandomCrop,
  RandomHorizontalFlip,
  RandomShift,
  shiftImage,
  ToTensor,
  transformFromSpec,
} from '../src/transforms.js';
import { sharedData } from './helpers.js';

// A 3x3 image 1..9, row-major.
const grid = () => Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe("Nielsen's shifts", () => {
  test('np.roll by one pixel with the wrapped row or column zeroed', () => {
    expect([...shiftImage(grid(), 1, 3, 3, 'down')]).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect([...shiftImage(grid(), 1, 3, 3, 'up')]).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
    expect([...shiftImage(grid(), 1, 3, 3, 'right')]).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
    expect([...shiftImage(grid(), 1, 3, 3, 'left')]).toEqual([2, 3, 0, 5, 6, 0, 8, 9, 0]);
    expect([...shiftImage(grid(), 1, 3, 3, 'none')]).toEqual([...grid()]);
  });

  test('RandomShift picks each of the five images, reproducibly for a seed', () => {
    const image = tensor([...grid()], { dtype: 'float32' }).reshape(1, 3, 3);
    const variants = (['none', 'down', 'up', 'right', 'left'] as const).map((s) =>
      [...shiftImage(Float32Array.from(grid()), 1, 3, 3, s)].join(','),
    );
    const seen = new Set<string>();
    const rng = new Generator(5);
    const again = new Generator(5);
    const shift = new RandomShift();
    for (let i = 0; i < 50; i++) {
      const out = shift.apply(image, rng);
      expect(out.shape).toEqual([1, 3, 3]);
      const key = [...out.dataSync()].join(',');
      expect(variants).toContain(key);
      expect([...shift.apply(image, again).dataSync()].join(',')).toBe(key);
      seen.add(key);
    }
    expect(seen.size).toBe(5);
  });

  test('expandMnist: each image then its four shifts; a seed shuffles deterministically', () => {
    const ds = new ImageDataset({
      name: 'tiny',
      images: Uint8Array.from([...grid(), ...grid().map((v) => v + 10)]),
      targets: Int32Array.from([3, 7]),
      shape: [1, 3, 3],
      classes: [],
    });
    const expanded = expandMnist(ds);
    expect(expanded.length).toBe(10);
    expect([...expanded.targets]).toEqual([3, 3, 3, 3, 3, 7, 7, 7, 7, 7]);
    expect([...expanded.images.subarray(9, 18)]).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect([...expanded.images.subarray(5 * 9, 6 * 9)]).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const a = expandMnist(ds, { seed: 1 });
    const b = expandMnist(ds, { seed: 1 });
    expect([...a.images]).toEqual([...b.images]);
    expect([...a.targets].sort()).toEqual([...expanded.targets].sort());
    expect([...a.images]).not.toEqual([...expanded.images]);
    expect(ds.length).toBe(2); // the original is untouched
  });

  test.skipIf(sharedData === undefined)("the book's 250,000-image expanded training set", async () => {
    const train = await loadMNIST(join(sharedData!, 'mnist'), { split: 'nielsen-train' });
    const expanded = expandMnist(train);
    expect(expanded.length).toBe(250_000);
    expect(expanded.classCounts().reduce((a, b) => a + b)).toBe(250_000);
    expect(expanded.targets[4]).toBe(5);
    expect(expanded.targets[5]).toBe(0);
    // Image 1 is image 0 moved down: its row 7 is image 0's row 6.
    expect([...expanded.images.subarray(784 + 7 * 28, 784 + 8 * 28)]).toEqual([
      ...train.images.subarray(6 * 28, 7 * 28),
    ]);
  });
});

describe('image transforms', () => {
  const rgb = () => tensor(Array.from({ length: 12 }, (_, i) => i)).reshape(3, 2, 2);

  test('Normalize per channel', () => {
    const out = new Normalize([0, 4, 8], [1, 2, 4]).apply(rgb());
    expect([...out.dataSync()]).toEqual([0, 1, 2, 3, 0, 0.5, 1, 1.5, 0, 0.25, 0.5, 0.75]);
    expect(() => new Normalize([1, 2], [1])).toThrow(/mean has 2 values and std 1/);
    expect(() => new Normalize([1, 2], [1, 1]).apply(rgb())).toThrow(/2 means for an image of 3 channels/);
  });

  test('RandomHorizontalFlip mirrors each row with probability p', () => {
    expect([...new RandomHorizontalFlip(1).apply(rgb()).dataSync()]).toEqual([
      1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10,
    ]);
    expect([...new RandomHorizontalFlip(0).apply(rgb()).dataSync()]).toEqual([...rgb().dataSync()]);
  });

  test('RandomCrop pads with zeros and cuts a window', () => {
    const image = tensor([...grid()], { dtype: 'float32' }).reshape(1, 3, 3);
    expect([...new RandomCrop(3).apply(image).dataSync()]).toEqual([...grid()]);
    const crop = new RandomCrop(3, { padding: 1 });
    const seen = new Set<string>();
    const rng = new Generator(0);
    for (let i = 0; i < 60; i++) {
      const out = crop.apply(image, rng);
      expect(out.shape).toEqual([1, 3, 3]);
      seen.add([...out.dataSync()].join(','));
    }
    expect(seen.size).toBe(9); // every offset in [0, 2] x [0, 2]
    expect(seen).toContain('0,0,0,0,1,2,0,4,5'); // top-left window of the padded image
    expect(seen).toContain('5,6,0,8,9,0,0,0,0'); // bottom-right
    expect(() => new RandomCrop(8).apply(image)).toThrow(/crop 8x8 is larger than the padded image 3x3/);
  });

  test('ToTensor turns HWC bytes (canvas ImageData) into CHW floats in [0, 1]', () => {
    const out = new ToTensor().apply({
      data: Uint8ClampedArray.from([0, 255, 51, 102, 153, 204]),
      width: 2,
      height: 1,
    });
    expect(out.shape).toEqual([3, 1, 2]);
    expect([...out.dataSync()]).toEqual([0, 102, 255, 153, 51, 204].map((k) => Math.fround(k / 255)));
  });

  test('Compose and Lambda; specs rebuild the same transform', () => {
    const t = new Compose([new RandomHorizontalFlip(1), new Normalize(1, 2)]);
    expect([...t.apply(rgb()).dataSync()].slice(0, 4)).toEqual([0, -0.5, 1, 0.5]);
    const rebuilt = transformFromSpec(t.toSpec()) as Compose;
    expect([...rebuilt.apply(rgb()).dataSync()]).toEqual([...t.apply(rgb()).dataSync()]);
    const withLambda = new Compose([new Lambda((x: ReturnType<typeof rgb>) => x.reshape(12))]);
    expect(withLambda.apply(rgb()).shape).toEqual([12]);
    expect(withLambda.imageOnly).toBe(false);
    expect(() => withLambda.toSpec()).toThrow(/Lambda can't be sent to a worker/);
  });

  test("a dataset's batch fast path equals transforming each sample", () => {
    const images = Uint8Array.from({ length: 5 * 9 }, (_, i) => (i * 37) % 256);
    const make = () =>
      new ImageDataset({
        name: 'tiny',
        images,
        targets: Int32Array.from([0, 1, 2, 3, 4]),
        shape: [1, 3, 3],
        classes: [],
        transform: new Compose([new RandomShift(), new RandomCrop(3, { padding: 1 })]),
      });
    const ds = make();
    const [batch, labels] = ds.getBatch([4, 0, 2], new Generator(9));
    const rng = new Generator(9);
    const one = [4, 0, 2].map((i) => [...ds.get(i, rng)[0].dataSync()]);
    expect([...batch.dataSync()]).toEqual(one.flat());
    expect([...labels.dataSync()]).toEqual([4, 0, 2]);
    expect(labels.dtype).toBe('int32');
    expect(ds.getBatch([1, 2])[0].shape).toEqual([2, 1, 3, 3]); // no rng given: the default generator
  });
});
