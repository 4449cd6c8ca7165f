import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, test } from 'vitest';
import { loadImageFolder } from '../src/node/loaders.js';
import { withTempDir } from './helpers.js';

const png = (width: number, height: number, channels: number, data: number[], depth: 8 | 16 = 8) =>
  encode({
    width,
    height,
    channels,
    depth,
    data: depth === 8 ? Uint8Array.from(data) : Uint16Array.from(data),
  });

describe('ImageFolder', () => {
  test('one class per folder, sorted, with classToIdx and pixel values', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'zebra'));
      await mkdir(join(dir, 'cat'));
      await writeFile(join(dir, 'cat', 'b.png'), png(2, 1, 1, [0, 255]));
      await writeFile(join(dir, 'cat', 'a.png'), png(2, 1, 1, [51, 102]));
      await writeFile(join(dir, 'zebra', 'z.png'), png(2, 1, 1, [65535, 0], 16));
      await writeFile(join(dir, 'cat', 'notes.txt'), 'ignored');
      const ds = await loadImageFolder(dir);
      expect(ds.classToIdx).toEqual({ cat: 0, zebra: 1 });
      expect(ds.classes).toEqual(['cat', 'zebra']);
      expect(ds.samples.map(([p, l]) => [p.slice(dir.length + 1), l])).toEqual([
        ['cat/a.png', 0],
        ['cat/b.png', 0],
        ['zebra/z.png', 1],
      ]);
      const [image, label] = ds.get(0);
      expect(image.shape).toEqual([1, 1, 2]);
      expect(label).toBe(0);
      expect([...image.dataSync()]).toEqual([0.2, 0.4].map(Math.fround));
      expect([...ds.get(2)[0].dataSync()]).toEqual([1, 0]);
    });
  });

  test('RGB(A) images become [3, H, W]; grey conversion on request; mismatched sizes fail naming the file', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'a'));
      await writeFile(join(dir, 'a', '1.png'), png(1, 1, 4, [255, 0, 0, 128]));
      await writeFile(join(dir, 'a', '2.png'), png(1, 1, 1, [10]));
      const rgb = await loadImageFolder(dir);
      expect(rgb.shape).toEqual([3, 1, 1]);
      expect([...rgb.images]).toEqual([255, 0, 0, 10, 10, 10]);
      const grey = await loadImageFolder(dir, { channels: 1 });
      expect([...grey.images]).toEqual([76, 10]);
      await writeFile(join(dir, 'a', '3.png'), png(2, 1, 1, [1, 2]));
      await expect(loadImageFolder(dir)).rejects.toThrow(
        /3\.png is 2x1, but .*1\.png is 1x1; all images must have one size/,
      );
      await writeFile(join(dir, 'a', '3.png'), 'not a png');
      await expect(loadImageFolder(dir)).rejects.toThrow(/3\.png: not a readable PNG/);
    });
  });
});
