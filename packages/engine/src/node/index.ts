/**
 * @nndl/engine/node: running experiments from Node: data from the file system, the run store, resume.
 * @example
 * const end = await runExperiment(getPreset('quickstart'), { onEvent: (e) => console.log(e.type) });
 */
import { readFileSync } from 'node:fs';
import type { EventListener, RunEndEvent } from '../events.js';
import type { ExperimentSpec } from '../spec.js';
import { Trainer } from '../trainer.js';
import { type LoadDataOptions, loadData } from './data.js';
import { createDataParallel } from './data_parallel.js';
import { RunStore } from './run_store.js';

export { dataRoot, type LoadDataOptions, loadData } from './data.js';
export { createDataParallel } from './data_parallel.js';
export { RunStore, RunWriter, validRunId } from './run_store.js';

export interface RunOptions extends LoadDataOptions {
  /** The run store's folder (default $NNDL_RUNS_DIR or ./runs). */
  runsDir?: string;
  runId?: string;
  onEvent?: EventListener;
  signal?: AbortSignal;
  /** Emit batchEnd every N steps (default 1; the store records them all). */
  batchEventEvery?: number;
}

/** Train a spec, recording it in the run store. Resolves with the runEnd event; rejects when the run fails. */
export async function runExperiment(
  spec: ExperimentSpec,
  options: RunOptions = {},
): Promise<{ runId: string; end: RunEndEvent; trainer: Trainer }> {
  const store = new RunStore(options.runsDir);
  const data = await loadData(spec, options);
  const runId =
    options.runId ?? `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-${spec.name}`;
  const writer = store.create(spec, runId);
  const trainer = new Trainer(spec, {
    data,
    runId,
    parallel: createDataParallel,
    saveCheckpoint: (name, bytes) => writer.saveCheckpoint(name, bytes),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.batchEventEvery ? { batchEventEvery: options.batchEventEvery } : {}),
  });
  trainer.on((e) => writer.write(e));
  if (options.onEvent) trainer.on(options.onEvent);
  try {
    const end = await trainer.run();
    return { runId, end, trainer };
  } finally {
    writer.close();
  }
}

/** Continue a stopped run from its last checkpoint; events are appended to the same run. */
export async function resumeExperiment(
  runId: string,
  options: RunOptions = {},
): Promise<{ runId: string; end: RunEndEvent; trainer: Trainer }> {
  const store = new RunStore(options.runsDir);
  const writer = store.open(runId);
  const checkpoint = store.lastCheckpoint(runId);
  if (!checkpoint)
    throw new Error(`run '${runId}' has no checkpoint to resume from (${writer.dir}/checkpoints is empty)`);
  const spec: ExperimentSpec = writer.spec;
  const data = await loadData(spec, options);
  const trainer = new Trainer(spec, {
    data,
    runId,
    resumeFrom: new Uint8Array(readFileSync(checkpoint)),
    parallel: createDataParallel,
    saveCheckpoint: (name, bytes) => writer.saveCheckpoint(name, bytes),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.batchEventEvery ? { batchEventEvery: options.batchEventEvery } : {}),
  });
  trainer.on((e) => writer.write(e));
  if (options.onEvent) trainer.on(options.onEvent);
  try {
    const end = await trainer.run();
    return { runId, end, trainer };
  } finally {
    writer.close();
  }
}
