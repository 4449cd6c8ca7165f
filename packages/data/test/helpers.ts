import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The repository root: the nearest folder above this file with pnpm-workspace.yaml (works in any clone). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test helpers: no pnpm-workspace.yaml above the tests');
    dir = parent;
  }
  return dir;
}

/** ../shared/data beside the repository (the real MNIST and CIFAR-10 subset), or undefined when absent. */
export const sharedData: string | undefined = (() => {
  const dir = join(repoRoot(), '..', 'shared', 'data');
  if (existsSync(dir)) return dir;
  console.warn(`real-data tests skipped: ${dir} is missing (a copy of shared/ beside the repository)`);
  return undefined;
})();

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'nndl-data-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An IDX file: big-endian magic and dims, then bytes. */
export function idxBytes(magic: number, dims: number[], data: Uint8Array | number[]): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, magic);
  for (const [i, d] of dims.entries()) header.setUint32(4 + 4 * i, d);
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer));
  out.set(data, header.byteLength);
  return out;
}

/** n tiny images (h x w) whose pixel (i, y, x) is (i * 7 + y * w + x) % 256, with labels i % 10. */
export function tinyMnist(n: number, h = 4, w = 4): { images: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * h * w);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.floor(i / (h * w)) * 7 + (i % (h * w))) % 256;
  return {
    images: idxBytes(0x803, [n, h, w], pixels),
    labels: idxBytes(
      0x801,
      [n],
      Array.from({ length: n }, (_, i) => i % 10),
    ),
  };
}

export const gzip = (bytes: Uint8Array): Uint8Array => new Uint8Array(gzipSync(bytes));
