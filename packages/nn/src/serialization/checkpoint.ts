/**
 * Checkpoints: a model's state dict and an optimizer's state in one safetensors file (bytes in, bytes out).
 *
 * Layout: the model's tensors under `model.<key>`, the optimizer's state tensors under
 * `optimizer.state.<paramIndex>.<name>`, and in `__metadata__` (which must map strings to strings) the key
 * `nndl.optimizer` holding JSON of the non-tensor parts (the groups' options, step counts). To exchange weights with
 * PyTorch, save the bare state dict with `saveSafetensors(model.stateDict())` instead.
 */
import type { Tensor } from '@nndl/tensor';
import type { StateDict } from '../module.js';
import type { OptimizerStateDict, ParamState } from '../optim/optimizer.js';
import { loadSafetensors, type Metadata, saveSafetensors } from './safetensors.js';

export interface Checkpoint {
  model: StateDict;
  optimizer?: OptimizerStateDict;
  /** Free-form strings (epoch, run id, ...); keys starting with "nndl." are reserved. */
  metadata?: Metadata;
}

const OPTIMIZER_KEY = 'nndl.optimizer';
const FORMAT_KEY = 'nndl.format';
const FORMAT = 'checkpoint/1';

/** Split an optimizer state dict into tensors and a JSON string of everything else. */
export function optimizerStateToTensors(
  state: OptimizerStateDict,
  prefix = 'optimizer.',
): {
  tensors: Record<string, Tensor>;
  json: string;
} {
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [index, entry] of Object.entries(state.state)) {
    for (const [k, v] of Object.entries(entry)) {
      if (typeof v === 'number') (scalars[index] ??= {})[k] = v;
      else tensors[`${prefix}state.${index}.${k}`] = v;
    }
  }
  return { tensors, json: JSON.stringify({ paramGroups: state.paramGroups, scalars }) };
}

/** The inverse of optimizerStateToTensors. */
export function optimizerStateFromTensors(
  tensors: Record<string, Tensor>,
  json: string,
  prefix = 'optimizer.',
): OptimizerStateDict {
  const parsed = JSON.parse(json) as {
    paramGroups: OptimizerStateDict['paramGroups'];
    scalars: Record<string, Record<string, number>>;
  };
  const state: Record<string, ParamState> = {};
  for (const [index, entry] of Object.entries(parsed.scalars)) state[index] = { ...entry };
  const head = `${prefix}state.`;
  for (const [key, t] of Object.entries(tensors)) {
    if (!key.startsWith(head)) continue;
    const rest = key.slice(head.length);
    const dot = rest.indexOf('.');
    if (dot < 0) throw new Error(`loadCheckpoint: malformed optimizer tensor key "${key}"`);
    (state[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = t;
  }
  return { state, paramGroups: parsed.paramGroups };
}

/**
 * The bytes of a checkpoint file.
 * @example await writeFileAtomic('ckpt.safetensors', saveCheckpoint({ model: net.stateDict(), optimizer: opt.stateDict() }));
 */
export function saveCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(checkpoint.model)) tensors[`model.${k}`] = v;
  const metadata: Metadata = { ...(checkpoint.metadata ?? {}) };
  for (const k of Object.keys(metadata)) {
    if (k.startsWith('nndl.'))
      throw new Error(`saveCheckpoint: metadata key "${k}" is reserved (keys starting with "nndl.")`);
  }
  metadata[FORMAT_KEY] = FORMAT;
  if (checkpoint.optimizer) {
    const { tensors: optTensors, json } = optimizerStateToTensors(checkpoint.optimizer);
    Object.assign(tensors, optTensors);
    metadata[OPTIMIZER_KEY] = json;
  }
  return saveSafetensors(tensors, metadata);
}

/** Read a checkpoint written by saveCheckpoint. */
export function loadCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const { tensors, metadata } = loadSafetensors(bytes, source);
  if (metadata[FORMAT_KEY] !== FORMAT) {
    throw new Error(
      `loadCheckpoint: ${source} is a safetensors file but not an nndl checkpoint (no "${FORMAT_KEY}": "${FORMAT}" in ` +
        '__metadata__); load it with loadSafetensors',
    );
  }
  const model: StateDict = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('model.')) model[k.slice(6)] = v;
  const rest: Metadata = {};
  for (const [k, v] of Object.entries(metadata)) if (!k.startsWith('nndl.')) rest[k] = v;
  const json = metadata[OPTIMIZER_KEY];
  return {
    model,
    ...(json !== undefined ? { optimizer: optimizerStateFromTensors(tensors, json) } : {}),
    metadata: rest,
  };
}

/**
 * Convert a state dict's keys between nndl's camelCase and PyTorch's snake_case (runningMean <-> running_mean,
 * numBatchesTracked <-> num_batches_tracked); weight and bias are the same in both.
 */
export function stateDictToPyTorch(stateDict: StateDict): StateDict {
  const out: StateDict = {};
  for (const [k, v] of Object.entries(stateDict)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}

export function stateDictFromPyTorch(stateDict: StateDict): StateDict {
  const out: StateDict = {};
  for (const [k, v] of Object.entries(stateDict))
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}
