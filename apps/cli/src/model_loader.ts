/** Load a trained model from a run id or a checkpoint file. */
import { existsSync, readFileSync } from 'node:fs';
import { type BuiltModel, buildModel, type ExperimentSpec, parseSpec } from '@nndl/engine';
import { RunStore } from '@nndl/engine/node';
import { loadCheckpoint } from '@nndl/nn';
import { Generator } from '@nndl/tensor';
import { UsageError } from './usage.js';

export interface LoadedModel {
  spec: ExperimentSpec;
  built: BuiltModel;
  source: string;
}

export function loadTrained(target: string, runsDir?: string): LoadedModel {
  let path = target;
  if (!existsSync(target)) {
    const store = new RunStore(runsDir);
    let checkpoint: string | null = null;
    try {
      checkpoint = store.lastCheckpoint(target);
    } catch {
      checkpoint = null;
    }
    if (!checkpoint) {
      throw new UsageError(
        `'${target}' is neither a checkpoint file nor a run with checkpoints in ${store.root}. ` +
          'List runs with `ls runs/` or pass a .safetensors file.',
      );
    }
    path = checkpoint;
  }
  const ckpt = loadCheckpoint(new Uint8Array(readFileSync(path)), path);
  const specJson = ckpt.metadata?.spec;
  if (!specJson)
    throw new Error(`${path}: the checkpoint has no spec in its metadata; was it written by nndl train?`);
  const spec = parseSpec(JSON.parse(specJson), `${path} (spec)`);
  const built = buildModel(spec, new Generator(spec.seed));
  built.module.loadStateDict(ckpt.model);
  built.module.eval();
  return { spec, built, source: path };
}
