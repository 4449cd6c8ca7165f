/** nndl predict <run | checkpoint> <image.png...>: classify digit images. */
import { readFileSync } from 'node:fs';
import { decodePng } from '@nndl/data';
import { asTensor, noGrad } from '@nndl/tensor';
import { table } from '../format.js';
import { loadTrained } from '../model_loader.js';
import { parse, UsageError } from '../usage.js';

const USAGE = 'nndl predict <run | checkpoint> <image.png...> [--out DIR] [--json]';

/** A PNG as the model's input: grey, 28x28 (resampled if needed), white digit on black as in MNIST. */
export function imageToInput(
  path: string,
  channels: number,
  size: number,
): { input: Float32Array; inverted: boolean } {
  const image = decodePng(new Uint8Array(readFileSync(path)), path);
  const grey = new Float32Array(image.width * image.height);
  for (let p = 0; p < grey.length; p++) {
    let s = 0;
    for (let c = 0; c < image.channels; c++) s += image.data[p * image.channels + c]!;
    grey[p] = s / image.channels / 255;
  }
  // MNIST digits are light on dark: a mostly light image is a dark digit on paper, so invert it.
  const mean = grey.reduce((a, b) => a + b, 0) / grey.length;
  const inverted = mean > 0.5;
  if (inverted) for (let p = 0; p < grey.length; p++) grey[p] = 1 - grey[p]!;
  const out = new Float32Array(channels * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Area-average resampling (exact when the image is already size x size).
      const x0 = Math.floor((x * image.width) / size);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / size));
      const y0 = Math.floor((y * image.height) / size);
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / size));
      let s = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += grey[yy * image.width + xx]!;
      const v = s / ((x1 - x0) * (y1 - y0));
      for (let c = 0; c < channels; c++) out[c * size * size + y * size + x] = v;
    }
  }
  return { input: out, inverted };
}

export async function predictCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length < 2)
    throw new UsageError(`expected a run or checkpoint and at least one PNG\nusage: ${USAGE}`);
  const [target, ...images] = positionals as [string, ...string[]];
  const { spec, built } = loadTrained(target, values.out as string | undefined);
  const channels =
    spec.model.type === 'lenet' ? spec.model.inChannels : spec.model.type === 'resnet34' ? 3 : 1;
  const size = spec.data.dataset === 'cifar10' ? 32 : 28;
  const rows: (string | number)[][] = [];
  const results: { image: string; prediction: number; probabilities: number[]; inverted: boolean }[] = [];
  for (const path of images) {
    const { input, inverted } = imageToInput(path, channels, size);
    const probabilities = noGrad(() => {
      const out = built.forward(asTensor(input, [1, channels, size, size]));
      // Sigmoid outputs (Nielsen's nets) are normalized to sum to one; logits go through softmax.
      const p = spec.loss === 'log-likelihood' ? out.softmax(1) : out.div(out.sum(1, true));
      return Array.from(p.dataSync());
    });
    const prediction = probabilities.indexOf(Math.max(...probabilities));
    results.push({ image: path, prediction, probabilities, inverted });
    rows.push([
      path,
      prediction,
      `${(100 * probabilities[prediction]!).toFixed(1)}%`,
      inverted ? 'yes' : 'no',
      probabilities.map((p) => p.toFixed(2)).join(' '),
    ]);
  }
  if (values.json) console.log(JSON.stringify(results));
  else console.log(table(['image', 'digit', 'confidence', 'inverted', 'probabilities 0..9'], rows));
  return 0;
}
