/**
 * Download a dataset from its usual public mirrors: progress events, md5 checks, resume of an interrupted
 * download (HTTP Range) or a clean restart, and atomic writes (data lands in `name.part` and is renamed into
 * place only once its checksum matches, so a file with the final name is always complete).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

export interface DownloadFile {
  name: string;
  /** md5 of the file as served. */
  md5: string;
}

export interface DownloadResource {
  name: string;
  /** Base URLs tried in order; each file is fetched from `mirror + file.name`. */
  mirrors: string[];
  files: DownloadFile[];
  /** Unpack a .tar.gz into the folder once it is verified (CIFAR-10). */
  extract?: boolean;
}

/** The datasets `download` knows, with the checksums torchvision uses. */
export const RESOURCES = {
  mnist: {
    name: 'mnist',
    mirrors: [
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
    ],
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    ],
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
      { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    ],
  },
  cifar10: {
    name: 'cifar10',
    mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
    extract: true,
  },
} satisfies Record<string, DownloadResource>;

export type DatasetName = keyof typeof RESOURCES;

export interface DownloadProgress {
  file: string;
  /** Bytes on disk so far (including a resumed part). */
  received: number;
  /** Total bytes, when the server says. */
  total: number | undefined;
  /** 'downloading', 'verified' (checksum matched), 'cached' (already there and valid), 'extracted'. */
  phase: 'downloading' | 'verified' | 'cached' | 'extracted';
  mirror?: string;
}

export interface DownloadOptions {
  /** Replace the resource's mirrors (tests, local caches). */
  mirrors?: string[];
  onProgress?: (progress: DownloadProgress) => void;
  /** Times to retry a mirror after a dropped connection, a refused connection or a 5xx/429 answer (default 3). */
  resumeAttempts?: number;
  /** First wait before such a retry, in ms, doubled each time (default 500). */
  retryDelayMs?: number;
}

const gunzipAsync = promisify(gunzip);

/**
 * Fetch a dataset's files into `root` and verify them; files already there with the right checksum are kept.
 * Returns the paths of the files.
 *
 * @example
 * await download('mnist', 'data/mnist', { onProgress: (p) => console.log(p.file, p.received, p.total) });
 * const train = await loadMNIST('data/mnist');
 */
export async function download(
  name: DatasetName | DownloadResource,
  root: string,
  options: DownloadOptions = {},
): Promise<string[]> {
  const resource: DownloadResource = typeof name === 'string' ? RESOURCES[name] : name;
  if (resource === undefined) {
    throw new Error(
      `download: unknown dataset "${String(name)}"; known: ${Object.keys(RESOURCES).join(', ')}`,
    );
  }
  const mirrors = options.mirrors ?? resource.mirrors;
  await mkdir(root, { recursive: true });
  const paths: string[] = [];
  for (const file of resource.files) {
    const path = join(root, file.name);
    if ((await md5OfFile(path).catch(() => undefined)) === file.md5) {
      options.onProgress?.({
        file: file.name,
        received: (await stat(path)).size,
        total: undefined,
        phase: 'cached',
      });
    } else {
      await fetchVerified(file, path, mirrors, options);
    }
    if (resource.extract) await extractTarGz(path, root, options);
    paths.push(path);
  }
  return paths;
}

async function fetchVerified(file: DownloadFile, path: string, mirrors: string[], options: DownloadOptions) {
  const part = `${path}.part`;
  const failures: string[] = [];
  for (const mirror of mirrors) {
    const url = new URL(file.name, mirror.endsWith('/') ? mirror : `${mirror}/`).href;
    try {
      await fetchResumable(url, part, file.name, mirror, options);
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    const actual = await md5OfFile(part);
    if (actual !== file.md5) {
      // A corrupt copy can't be resumed into a good one: restart from nothing on the next mirror.
      await rm(part, { force: true });
      failures.push(`${url}: checksum mismatch: md5 ${actual}, expected ${file.md5}`);
      continue;
    }
    await rename(part, path);
    options.onProgress?.({
      file: file.name,
      received: (await stat(path)).size,
      total: undefined,
      phase: 'verified',
    });
    return;
  }
  throw new Error(`download: ${file.name} failed on every mirror:\n  ${failures.join('\n  ')}`);
}

/** Fetch `url` into `part`, resuming from the bytes already there; retries dropped connections. */
async function fetchResumable(
  url: string,
  part: string,
  file: string,
  mirror: string,
  options: DownloadOptions,
) {
  const attempts = (options.resumeAttempts ?? 3) + 1;
  const wait = (attempt: number) =>
    new Promise((resolve) => setTimeout(resolve, (options.retryDelayMs ?? 500) * 2 ** attempt));
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await wait(attempt - 1);
    const have = (await stat(part).catch(() => undefined))?.size ?? 0;
    let response: Response;
    try {
      // identity: a server's Content-Encoding would otherwise be undone by fetch, and the bytes would not hash right.
      response = await fetch(url, {
        headers: { 'accept-encoding': 'identity', ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
      });
    } catch (error) {
      lastError = error; // refused or reset before any answer: the same mirror may answer on a retry
      continue;
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      lastError = new Error(`HTTP ${response.status} ${response.statusText}`);
      continue; // the server's trouble may pass
    }
    if (response.status === 416 && have > 0) {
      await response.body?.cancel();
      return; // the part is complete already; the checksum decides
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status} ${response.statusText}`);
    }
    // 206: the server resumes where we stopped; 200: it sends everything again, so start the part over.
    const resumed = response.status === 206;
    const start = resumed ? have : 0;
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = Number.isFinite(length) ? start + length : undefined;
    let received = start;
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      options.onProgress?.({ file, received, total, phase: 'downloading', mirror });
    });
    try {
      await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
      if (total !== undefined && received < total)
        throw new Error(`connection closed at ${received} of ${total} bytes`);
      return;
    } catch (error) {
      lastError = error; // keep the part: the next attempt resumes it
    }
  }
  throw new Error(`gave up after ${attempts} attempts: ${(lastError as Error)?.message}`);
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Unpack the regular files of a .tar.gz into `root`, each written atomically; refuses paths that leave `root`. */
async function extractTarGz(path: string, root: string, options: DownloadOptions): Promise<void> {
  const tar = new Uint8Array(await gunzipAsync(await readFile(path)));
  const text = new TextDecoder();
  const field = (offset: number, length: number) =>
    text.decode(tar.subarray(offset, offset + length)).replace(/\0.*$/s, '');
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const nameField = field(offset, 100);
    if (nameField === '') break; // two zero blocks end the archive
    const prefix = field(offset + 345, 155);
    const name = prefix ? `${prefix}/${nameField}` : nameField;
    const size = Number.parseInt(field(offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[offset + 156]!);
    const dataStart = offset + 512;
    if (dataStart + size > tar.length) throw new Error(`${path}: truncated tar archive at ${name}`);
    if (type === '0' || type === '\0') {
      const target = normalize(join(root, name));
      if (isAbsolute(name) || name.split('/').includes('..')) {
        throw new Error(`${path}: refusing the archive entry ${name}, which leaves ${root}`);
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(`${target}.part`, tar.subarray(dataStart, dataStart + size));
      await rename(`${target}.part`, target);
    }
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  options.onProgress?.({ file: path, received: tar.length, total: tar.length, phase: 'extracted' });
}
