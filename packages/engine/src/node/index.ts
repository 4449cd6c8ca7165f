/**
 * @nndl/engine/node: running experiments from Node: data from the file system, the run store, resume.
 * @example
 * const end = await runExperiment(getPreset('quickstart'), { onEvent: (e) => console.log(e.type) });
 */
import { readFileSync } from 'node:fs';
import type { Dataset } from '@nndl/data';
import { noGrad } from '@nndl/tensor';
import type { DataSource } from '../data_source.js';
import type { EnsembleEvent, EventListener, RunEndEvent } from '../events.js';
import type { BuiltModel } from '../model.js';
import type { ExperimentSpec } from '../spec.js';
import { batchOf, Trainer } from '../trainer.js';
import { type LoadDataOptions, loadData } from './data.js';
import { createDataParallel } from './data_parallel.js';
import { RunStore, type RunWriter } from './run_store.js';

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

/** A run id from the time and the spec's name, made safe as a folder name ('my run/2' -> 'my-run-2'). */
export function defaultRunId(name: string): string {
  const safe =
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .replace(/\.\.+/g, '.') || 'run';
  return `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-${safe}`.slice(0, 200);
}

/** Train a spec, recording it in the run store. Resolves with the runEnd event; rejects when the run fails. */
export async function runExperiment(
  spec: ExperimentSpec,
  options: RunOptions = {},
): Promise<{ runId: string; end: RunEndEvent; trainer: Trainer }> {
  const runId = options.runId ?? defaultRunId(spec.name);
  if (spec.ensemble > 1) return runEnsemble(spec, runId, options);
  const store = new RunStore(options.runsDir);
  const data = await loadData(spec, options);
  return train(spec, data, store.create(spec, runId), options, undefined);
}

/** Continue a stopped run from its last checkpoint; events are appended to the same run. */
export async function resumeExperiment(
  runId: string,
  options: RunOptions = {},
): Promise<{ runId: string; end: RunEndEvent; trainer: Trainer }> {
  const store = new RunStore(options.runsDir);
  const writer = store.open(runId);
  const checkpoint = store.lastCheckpoint(runId);
  if (!checkpoint) {
    throw new Error(`run '${runId}' has no checkpoint to resume from (${writer.dir}/checkpoints is empty)`);
  }
  const data = await loadData(writer.spec, options);
  return train(writer.spec, data, writer, options, new Uint8Array(readFileSync(checkpoint)));
}

/** One Trainer wired to a run writer (events and checkpoints) and the caller's listener. */
async function train(
  spec: ExperimentSpec,
  data: DataSource,
  writer: RunWriter,
  options: RunOptions,
  resumeFrom: Uint8Array | undefined,
): Promise<{ runId: string; end: RunEndEvent; trainer: Trainer }> {
  const trainer = new Trainer(spec, {
    data,
    runId: writer.runId,
    parallel: createDataParallel,
    saveCheckpoint: (name, bytes) => writer.saveCheckpoint(name, bytes),
    ...(resumeFrom ? { resumeFrom } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.batchEventEvery ? { batchEventEvery: options.batchEventEvery } : {}),
  });
  trainer.on((e) => writer.write(e));
  if (options.onEvent) trainer.on(options.onEvent);
  try {
    const end = await trainer.run();
    return { runId: writer.runId, end, trainer };
  } finally {
    writer.close();
  }
}

/**
 * Chapter 6's vote: train `spec.ensemble` networks (seeds seed, seed + 1, ...), each recorded as its own run
 * `<runId>-m<k>`, then classify the evaluation set by their plurality vote (ties go to the lowest class, as
 * numpy's argmax of the vote counts). The ensemble's own run folder holds the spec, the vote event and the summary.
 */
async function runEnsemble(
  spec: ExperimentSpec,
  runId: string,
  options: RunOptions,
): Promise<{ runId: string; end: RunEndEvent; trainer: Trainer }> {
  const store = new RunStore(options.runsDir);
  const writer = store.create(spec, runId);
  const members: { runId: string; accuracy: number | null; trainer: Trainer; end: RunEndEvent }[] = [];
  // The ensemble's own runEnd: a stopped or failed member stops the ensemble, and no vote is taken.
  const finish = async (status: RunEndEvent['status'], accuracy: number | null): Promise<RunEndEvent> => {
    const end: RunEndEvent = {
      type: 'runEnd',
      status,
      epochs: members[0]?.end.epochs ?? 0,
      steps: members.reduce((n, m) => n + m.end.steps, 0),
      bestEvaluationAccuracy: accuracy,
      finalEvaluationAccuracy: accuracy,
      seconds: members.reduce((n, m) => n + m.end.seconds, 0),
      time: Date.now(),
    };
    writer.write(end);
    await options.onEvent?.(end);
    return end;
  };
  try {
    for (let k = 0; k < spec.ensemble; k++) {
      if (options.signal?.aborted) break;
      const member = { ...spec, ensemble: 1, seed: spec.seed + k, name: `${spec.name}-m${k + 1}` };
      let result: Awaited<ReturnType<typeof runExperiment>>;
      try {
        result = await runExperiment(member, { ...options, runId: `${runId}-m${k + 1}` });
      } catch (e) {
        await finish('failed', null);
        throw e;
      }
      members.push({
        runId: result.runId,
        accuracy: result.end.bestEvaluationAccuracy,
        trainer: result.trainer,
        end: result.end,
      });
      if (result.end.status !== 'finished') break;
    }
    if (members.length < spec.ensemble || members.some((m) => m.end.status !== 'finished')) {
      const end = await finish('stopped', null);
      return { runId, end, trainer: members[0]?.trainer ?? (null as never) };
    }
    const data = await loadData(spec, options);
    const votes = ensembleVote(
      members.map((m) => m.trainer.built!),
      data.evaluation,
    );
    const event: EnsembleEvent = {
      type: 'ensemble',
      members: members.map(({ runId: id, accuracy }) => ({ runId: id, accuracy })),
      accuracy: votes,
    };
    writer.write(event);
    await options.onEvent?.(event);
    const end = await finish('finished', votes);
    return { runId, end, trainer: members[0]!.trainer };
  } finally {
    writer.close();
  }
}

/** Accuracy (%) of the plurality vote of several trained models over a dataset. */
export function ensembleVote(models: readonly BuiltModel[], dataset: Dataset): number {
  return noGrad(() => {
    for (const m of models) m.module.eval();
    let correct = 0;
    for (let start = 0; start < dataset.length; start += 1000) {
      const indices = Array.from({ length: Math.min(1000, dataset.length - start) }, (_, i) => start + i);
      const [x, y] = batchOf(dataset, indices);
      const outputs = models.map((m) => m.forward(x));
      const classes = outputs[0]!.shape[1]!;
      const counts = new Int32Array(indices.length * classes);
      models.forEach((m, k) => {
        const predicted = m.predict(outputs[k]!)!.dataSync();
        for (let i = 0; i < indices.length; i++) counts[i * classes + predicted[i]!]!++;
      });
      const labels = y.dataSync();
      for (let i = 0; i < indices.length; i++) {
        let best = 0;
        for (let c = 1; c < classes; c++)
          if (counts[i * classes + c]! > counts[i * classes + best]!) best = c;
        if (best === labels[i]) correct++;
      }
    }
    return (100 * correct) / dataset.length;
  });
}
