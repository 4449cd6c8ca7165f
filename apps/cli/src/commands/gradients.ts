/**
 * nndl gradients <preset>: chapter 5's table. The speed of learning of each hidden layer (the norm of dC/db over
 * the first 1,000 training images) at initialization and after training, beside the book's values.
 */
import {
  batchOf,
  type DataSource,
  type ExperimentSpec,
  getPreset,
  gradientStats,
  probeLayers,
  Trainer,
} from '@nndl/engine';
import { loadData } from '@nndl/engine/node';
import { table } from '../format.js';
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
  try {
    return { data: await loadData(spec, dataDir ? { dataDir } : {}), note: '' };
  } catch (e) {
    const fallback = {
      ...spec,
      data: { ...spec.data, dataset: 'bundled-digits' as const, evaluation: 'test' as const },
    };
    return {
      data: await loadData(fallback),
      note: `MNIST not found (${(e as Error).message.split('.')[0]}); using the bundled digits instead.`,
    };
  }
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
  if (spec.model.type !== 'nielsen')
    throw new UsageError(`gradients needs a fully connected Nielsen net preset (ch5-deep-2, -3, -4)`);
  spec = applyOverrides({ ...spec, epochs: 1, probes: { ...spec.probes, every: 0 } }, values);
  const { data, note } = await dataFor(spec, values['data-dir'] as string | undefined);
  const trainer = new Trainer(spec, { data });
  let initial: number[] = [];
  let after: number[] = [];
  let accuracy: number | null = null;
  trainer.on((e) => {
    if (e.type === 'runStart') {
      const built = trainer.built!;
      const layers = probeLayers(built.module);
      const n = Math.min(1000, data.train.length);
      const [x, y] = batchOf(
        data.train,
        Array.from({ length: n }, (_, i) => i),
      );
      initial = gradientStats(built, layers, x, y, { histograms: false, bins: 1 }).map((s) => s.speed);
    }
    if (e.type === 'epochEnd') accuracy = e.evaluationAccuracy ?? null;
  });
  const end = await trainer.run();
  {
    const built = trainer.built!;
    const layers = probeLayers(built.module);
    const n = Math.min(1000, data.train.length);
    const [x, y] = batchOf(
      data.train,
      Array.from({ length: n }, (_, i) => i),
    );
    after = gradientStats(built, layers, x, y, { histograms: false, bins: 1 }).map((s) => s.speed);
  }
  const hidden = spec.model.type === 'nielsen' ? spec.model.sizes.length - 2 : 0;
  const book = BOOK_SPEEDS[hidden] ?? [];
  const rows = Array.from({ length: hidden }, (_, i) => [
    `hidden ${i + 1}`,
    book[i] !== undefined ? book[i]!.toFixed(4) : '-',
    initial[i]!.toFixed(4),
    after[i]!.toFixed(4),
  ]);
  if (values.json) {
    console.log(
      JSON.stringify({
        preset: spec.name,
        book,
        initial: initial.slice(0, hidden),
        after: after.slice(0, hidden),
        epochs: end.epochs,
        accuracy,
      }),
    );
    return 0;
  }
  if (note) console.log(note);
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
