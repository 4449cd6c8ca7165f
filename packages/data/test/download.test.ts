import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DownloadProgress, type DownloadResource, download } from '../src/node/download.js';
import { loadMNIST } from '../src/node/loaders.js';
import { tinyMnist, withTempDir } from './helpers.js';

// Fixture files served by a local HTTP server on 127.0.0.1 (never the internet).
const tiny = tinyMnist(20, 28, 28);
// (Uint8Array copies, not Buffers: Buffer.slice is a view, and the corrupting mirror must not touch these.)
const gz = (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes));
const files: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte.gz': gz(tiny.images),
  'train-labels-idx1-ubyte.gz': gz(tiny.labels),
  't10k-images-idx3-ubyte.gz': gz(tiny.images),
  't10k-labels-idx1-ubyte.gz': gz(tiny.labels),
};
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const requests: { path: string; range: string | undefined }[] = [];
/** Paths whose next response breaks off halfway (once each). */
const dropOnce = new Set<string>();
/** Paths whose next request gets a 503 (once each). */
const unavailableOnce = new Set<string>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const range = req.headers.range;
    requests.push({ path: url.pathname, range });
    if (unavailableOnce.delete(url.pathname)) {
      res.writeHead(503).end();
      return;
    }
    const [, mirror, name] = url.pathname.split('/') as [string, string, string];
    let body = files[name];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (mirror === 'corrupt') {
      body = body.slice();
      const middle = body.length >> 1;
      body[middle] = body[middle]! ^ 0xff; // one flipped byte
    }
    if (mirror === 'norange' || range === undefined) {
      res.writeHead(200, { 'content-length': body.length });
    } else {
      const start = Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0);
      if (start >= body.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start });
      body = body.subarray(start);
    }
    if (dropOnce.delete(url.pathname)) {
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => res.destroy(), 20); // the connection breaks mid-file
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function resource(mirrors: string[]): DownloadResource {
  return {
    name: 'tiny-mnist',
    mirrors,
    files: Object.entries(files).map(([name, b]) => ({ name, md5: md5(b) })),
  };
}

describe('download', () => {
  test('fetches, verifies, reports progress, and the files load', async () => {
    await withTempDir(async (dir) => {
      const progress: DownloadProgress[] = [];
      const paths = await download(resource([`${base}/good/`]), dir, { onProgress: (p) => progress.push(p) });
      expect(paths).toHaveLength(4);
      expect((await readdir(dir)).sort()).toEqual(Object.keys(files).sort()); // no .part left
      expect(progress.filter((p) => p.phase === 'verified')).toHaveLength(4);
      const downloading = progress.filter((p) => p.phase === 'downloading');
      expect(downloading.at(-1)).toMatchObject({ received: files['t10k-labels-idx1-ubyte.gz']!.length });
      expect((await loadMNIST(dir)).length).toBe(20);
      // A second call finds valid files and fetches nothing.
      const before = requests.length;
      const again: DownloadProgress[] = [];
      await download(resource([`${base}/good/`]), dir, { onProgress: (p) => again.push(p) });
      expect(requests.length).toBe(before);
      expect(again.every((p) => p.phase === 'cached')).toBe(true);
    });
  });

  test('a corrupted copy fails its checksum, is discarded, and the next mirror is used', async () => {
    await withTempDir(async (dir) => {
      await download(resource([`${base}/corrupt/`, `${base}/good/`]), dir);
      const bytes = new Uint8Array(await readFile(join(dir, 'train-images-idx3-ubyte.gz')));
      expect(md5(bytes)).toBe(md5(files['train-images-idx3-ubyte.gz']!));
    });
    await withTempDir(async (dir) => {
      const failure = download(resource([`${base}/corrupt/`]), dir);
      await expect(failure).rejects.toThrow(
        /train-images-idx3-ubyte\.gz failed on every mirror:\n.*corrupt\/train-images-idx3-ubyte\.gz: checksum mismatch: md5 [0-9a-f]{32}, expected [0-9a-f]{32}/,
      );
      expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(false); // nothing half-written in place
      expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz.part'))).toBe(false);
    });
  });

  test('resumes a broken transfer with a Range request', async () => {
    await withTempDir(async (dir) => {
      dropOnce.add('/good/train-images-idx3-ubyte.gz');
      requests.length = 0;
      await download(resource([`${base}/good/`]), dir);
      const hits = requests.filter((r) => r.path === '/good/train-images-idx3-ubyte.gz');
      expect(hits).toHaveLength(2);
      expect(hits[1]!.range).toMatch(/^bytes=\d+-$/);
      expect(Number(/\d+/.exec(hits[1]!.range!)![0])).toBeGreaterThan(0);
      expect(md5(new Uint8Array(await readFile(join(dir, 'train-images-idx3-ubyte.gz'))))).toBe(
        md5(files['train-images-idx3-ubyte.gz']!),
      );
    });
  });

  test('restarts cleanly when the server ignores Range, and after a stale .part', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'train-images-idx3-ubyte.gz.part'), new Uint8Array(50).fill(7)); // junk
      dropOnce.add('/norange/train-labels-idx1-ubyte.gz');
      await download(resource([`${base}/norange/`]), dir);
      for (const [name, bytes] of Object.entries(files)) {
        expect(md5(new Uint8Array(await readFile(join(dir, name))))).toBe(md5(bytes));
      }
    });
  });

  test('retries the same mirror after a 503 (a single mirror, as CIFAR-10 has, still works)', async () => {
    await withTempDir(async (dir) => {
      unavailableOnce.add('/good/t10k-labels-idx1-ubyte.gz');
      requests.length = 0;
      await download(resource([`${base}/good/`]), dir, { retryDelayMs: 10 });
      expect(requests.filter((r) => r.path === '/good/t10k-labels-idx1-ubyte.gz')).toHaveLength(2);
      expect(md5(new Uint8Array(await readFile(join(dir, 't10k-labels-idx1-ubyte.gz'))))).toBe(
        md5(files['t10k-labels-idx1-ubyte.gz']!),
      );
    });
  });

  test('unknown names and unreachable files are clear errors', async () => {
    await withTempDir(async (dir) => {
      await expect(download('nope' as never, dir)).rejects.toThrow(/unknown dataset "nope"; known: mnist/);
      await expect(download(resource([`${base}/good/missing/`]), dir)).rejects.toThrow(/HTTP 404/);
    });
  });
});
