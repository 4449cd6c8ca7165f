/**
 * nndl gradients <preset>: chapter 5's table. The speed of learning of each hidden layer (the norm of dC/db over
 * the first 1,000 training images) at initialization and after training, beside the book's values.
 */

import { existsSync } from 'node:fs';
import {
  batchOf,
  type DataSource,
  type ExperimentSpec,
  getPreset,
  gradientStats,
  probeLayers,
  Trainer,
} from '@nndl/engine';
import { dataRoot, loadData } from '@nndl/engine/node';
import { ProgressBar, table } from '../format.js';
import { parse, UsageError } from '../usage.js';
import { applyOverrides, trainOptions } from './train.js';

const USAGE = 'nndl gradients <preset> [--epochs N] [--seed N] [--data-dir DIR] [--json]';

/** The book's speeds at initialization (../shared/reference/nielsen, epoch 0 of norms_during_training_*.json). */
export const BOOK_SPEEDS: Record<number, number[]> = {
  2: [0.0657, 0.3092],
  3: [0.0118, 0.06, 0.2831],
  4: [0.003, 0.0171, 0.0695, 0.2851],
};

async function dataFor(
  spec: ExperimentSpec,
  dataDir: string | undefined,
): Promise<{ data: DataSource; note: string }> {
  const root = dataRoot(spec, dataDir ? { dataDir } : {});
  // Fall back to the bundled digits only when no data folder was named and none is there (not on a corrupt file).
  if (!dataDir && !existsSync(root)) {
    const fallback = {
      ...spec,
      data: { ...spec.data, dataset: 'bundled-digits' as const, evaluation: 'test' as const },
    };
    return {
      data: await loadData(fallback),
      note: `MNIST not found in ${root}; using the bundled digits instead (pass --data-dir to use MNIST).`,
    };
  }
  return { data: await loadData(spec, dataDir ? { dataDir } : {}), note: '' };
}

export async function gradientsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, trainOptions, USAGE);
  if (positionals.length !== 1) throw new UsageError(`expected one preset, e.g. ch5-deep-3\nusage: ${USAGE}`);
  let spec: ExperimentSpec;
  try {
    spec = getPreset(positionals[0]!);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (spec.model.type !== 'nielsen') {
    throw new UsageError('gradients needs a fully connected Nielsen net preset (ch5-deep-2, -3, -4)');
  }
  spec = applyOverrides({ ...spec, epochs: 1, probes: { ...spec.probes, every: 0 } }, values);
  const { data, note } = await dataFor(spec, values['data-dir'] as string | undefined);
  const trainer = new Trainer(spec, { data });
  // The probe set of chapter 5: the first 1,000 training images.
  const probeSet = data.trainForEvaluation ?? data.train;
  const n = Math.min(1000, probeSet.length);
  const [x, y] = batchOf(
    probeSet,
    Array.from({ length: n }, (_, i) => i),
  );
  const speeds = () =>
    gradientStats(trainer.built!, probeLayers(trainer.built!.module), x, y, {
      histograms: false,
      bins: 1,
    }).map((s) => s.speed);
  let initial: number[] = [];
  let accuracy: number | null = null;
  const bar = new ProgressBar();
  trainer.on((e) => {
    if (e.type === 'runStart') initial = speeds();
    if (e.type === 'batchEnd') bar.update(`training epoch ${e.epoch}`, e.batch, e.batches);
    if (e.type === 'epochEnd') {
      bar.clear();
      accuracy = e.evaluationAccuracy ?? null;
    }
  });
  if (!values.json) {
    if (note) console.log(note);
    console.error(`${spec.name}: measuring at initialization, then training ${spec.epochs} epoch(s)...`);
  }
  const end = await trainer.run();
  const after = speeds();
  const hidden = spec.model.type === 'nielsen' ? spec.model.sizes.length - 2 : 0;
  const book = BOOK_SPEEDS[hidden] ?? [];
  if (values.json) {
    console.log(
      JSON.stringify({
        preset: spec.name,
        data: data.description,
        note: note || null,
        book,
        initial: initial.slice(0, hidden),
        after: after.slice(0, hidden),
        epochs: end.epochs,
        accuracy,
      }),
    );
    return 0;
  }
  const rows = Array.from({ length: hidden }, (_, i) => [
    `hidden ${i + 1}`,
    book[i] !== undefined ? book[i]!.toFixed(4) : '-',
    initial[i]!.toFixed(4),
    after[i]!.toFixed(4),
  ]);
  console.log(
    `${spec.name}: speed of learning = || dC/db || per hidden layer over the first 1,000 training images\n`,
  );
  console.log(
    table(
      [
        'layer',
        'book (init)',
        'nndl (init)',
        `nndl (after ${end.epochs} epoch${end.epochs === 1 ? '' : 's'})`,
      ],
      rows,
    ),
  );
  const slower = initial.slice(0, hidden).every((v, i, a) => i === 0 || a[i - 1]! < v);
  console.log(
    `\n${slower ? 'Earlier layers learn more slowly: the vanishing gradient of chapter 5.' : 'Note: the layers are not ordered slowest-first this time.'}` +
      (accuracy !== null ? ` Accuracy after training: ${(accuracy as number).toFixed(2)}%.` : ''),
  );
  return 0;
}
