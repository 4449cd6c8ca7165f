/**
 * nndl reproduce nielsen [--quick]: the book's results table, each row trained by nndl, with the book's figure, nndl's
 * figure and the time it took. --quick trains short versions on the bundled digits (a smoke test of every row).
 */
import type { ExperimentSpec } from '@nndl/engine';
import { presets } from '@nndl/engine';
import { runExperiment } from '@nndl/engine/node';
import { duration, table } from '../format.js';
import { intOption, parse, UsageError } from '../usage.js';

const USAGE = 'nndl reproduce nielsen [--quick] [--only preset,preset] [--data-dir DIR] [--out DIR] [--json]';

/** The rows of the book's table (presets with a reported accuracy from Nielsen's chapters). */
export function nielsenRows(): ExperimentSpec[] {
  return presets.filter(
    (p) =>
      p.reference?.accuracy !== undefined &&
      /^chapter/.test(p.reference.source) &&
      p.name !== 'ch3-overfitting',
  );
}

/** A short version of a row: bundled digits, a slice of the data, one epoch. */
export function quickVersion(spec: ExperimentSpec, trainSize: number): ExperimentSpec {
  return {
    ...spec,
    ensemble: 1,
    epochs: 1,
    data: {
      ...spec.data,
      dataset: 'bundled-digits',
      trainSize,
      expand: false,
      evaluation: 'test',
      workers: 0,
    },
    probes: { ...spec.probes, every: 0 },
    monitor: {
      trainingCost: false,
      trainingAccuracy: false,
      evaluationCost: false,
      evaluationAccuracy: true,
    },
  };
}

export async function reproduceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      'train-size': { type: 'string' },
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  if (positionals[0] !== 'nielsen' || positionals.length !== 1) throw new UsageError(`usage: ${USAGE}`);
  let rows = nielsenRows();
  if (values.only) {
    const wanted = String(values.only).split(',');
    const unknown = wanted.filter((w) => !rows.some((r) => r.name === w));
    if (unknown.length)
      throw new UsageError(
        `not rows of the table: ${unknown.join(', ')}. Rows: ${rows.map((r) => r.name).join(', ')}`,
      );
    rows = rows.filter((r) => wanted.includes(r.name));
  }
  const quick = Boolean(values.quick);
  const trainSize = intOption(values['train-size'], 'train-size', 10) ?? 2000;
  const results: { preset: string; book: number; nndl: number | null; seconds: number; status: string }[] =
    [];
  for (const row of rows) {
    const spec = quick ? quickVersion(row, trainSize) : row;
    if (!values.json) process.stderr.write(`${row.name}: training${quick ? ' (quick)' : ''}...\n`);
    const started = performance.now();
    let accuracy: number | null = null;
    let status = 'finished';
    try {
      const { end } = await runExperiment(spec, {
        ...(values['data-dir'] ? { dataDir: String(values['data-dir']) } : {}),
        ...(values.out ? { runsDir: String(values.out) } : {}),
        batchEventEvery: 1000,
      });
      accuracy = end.bestEvaluationAccuracy;
    } catch (e) {
      status = `failed: ${(e as Error).message.split('\n')[0]}`;
    }
    const result = {
      preset: row.name,
      book: row.reference!.accuracy!,
      nndl: accuracy,
      seconds: (performance.now() - started) / 1000,
      status,
    };
    results.push(result);
    if (values.json) console.log(JSON.stringify(result));
  }
  if (!values.json) {
    console.log(
      table(
        ['preset', 'book', quick ? 'nndl (quick)' : 'nndl', 'time', 'setting'],
        results.map((r) => {
          const spec = rows.find((s) => s.name === r.preset)!;
          return [
            r.preset,
            `${r.book.toFixed(2)}%`,
            r.nndl === null ? r.status : `${r.nndl.toFixed(2)}%`,
            duration(r.seconds),
            spec.description.replace(/^Chapter \d: /, ''),
          ];
        }),
      ),
    );
    if (quick) {
      console.log(
        `\n--quick: one epoch on ${trainSize} bundled digits per row (a smoke test; the book's figures need full runs).`,
      );
    }
  }
  return results.every((r) => r.status === 'finished') ? 0 : 1;
}
