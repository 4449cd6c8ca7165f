/**
 * @nndl/nn/node: file helpers for Node (the core package is browser-safe and works on bytes).
 * Writes are atomic: a temporary file in the same directory is written, fsynced and renamed over the target, so
 * a crash leaves either the old file or the new one, never a truncated mix.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '@nndl/tensor';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './serialization/checkpoint.js';
import {
  loadSafetensors,
  type Metadata,
  type SafetensorsContents,
  saveSafetensors,
} from './serialization/safetensors.js';

/** Write bytes to `path` atomically (temp file + fsync + rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** Save tensors (e.g. `model.stateDict()`) to a .safetensors file, atomically. */
export async function saveSafetensorsFile(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Metadata,
): Promise<void> {
  await writeFileAtomic(path, saveSafetensors(tensors, metadata));
}

/** Load a .safetensors file (errors name the file). */
export async function loadSafetensorsFile(path: string): Promise<SafetensorsContents> {
  const bytes = await readFile(path);
  return loadSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/**
 * Save a model (and optimizer) checkpoint atomically.
 * @example await saveCheckpointFile('run/ckpt.safetensors', { model: net.stateDict(), optimizer: opt.stateDict() });
 */
export async function saveCheckpointFile(path: string, checkpoint: Checkpoint): Promise<void> {
  await writeFileAtomic(path, saveCheckpoint(checkpoint));
}

export async function loadCheckpointFile(path: string): Promise<Checkpoint> {
  const bytes = await readFile(path);
  return loadCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}
