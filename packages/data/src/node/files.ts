import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** Read a file, undoing gzip when it starts with gzip's magic bytes; errors name the file. */
export async function readMaybeGzipped(path: string): Promise<Uint8Array> {
  const bytes = await readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const out = await gunzipAsync(bytes);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (cause) {
      throw new Error(`${path}: corrupt or truncated gzip data (${(cause as Error).message})`, { cause });
    }
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The first of `names` (each also tried with .gz) present in `root`, or an error listing what is there. */
export async function findFile(root: string, names: readonly string[], what: string): Promise<string> {
  let present: string[];
  try {
    present = await readdir(root);
  } catch (cause) {
    throw new Error(`${what}: can't read the folder ${root} (${(cause as Error).message})`, { cause });
  }
  for (const name of names) {
    for (const candidate of [name, `${name}.gz`])
      if (present.includes(candidate)) return join(root, candidate);
  }
  throw new Error(
    `${what}: none of ${names.map((n) => `${n}[.gz]`).join(', ')} in ${root} (it has: ${present.join(', ') || 'nothing'})`,
  );
}
