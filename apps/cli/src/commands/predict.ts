/** nndl predict <run | checkpoint> <image.png...>: classify digit images. */
import { readFileSync } from 'node:fs';
import { decodePng } from '@nndl/data';
import type { ExperimentSpec } from '@nndl/engine';
import { asTensor, noGrad } from '@nndl/tensor';
import { table } from '../format.js';
import { loadTrained } from '../model_loader.js';
import { parse, UsageError } from '../usage.js';

const USAGE = 'nndl predict <run | checkpoint> <image.png...> [--out DIR] [--json]';

/**
 * A PNG as the model's input, [channels, size, size] in [0, 1], resampled by area averaging (exact when the image
 * already has that size). One-channel models (MNIST) get grey, inverted when the image is a dark digit on a light
 * background (MNIST digits are light on dark); colour models (CIFAR-10) get the image's own RGB, never inverted.
 */
export function imageToInput(
  path: string,
  channels: number,
  size: number,
): { input: Float32Array; inverted: boolean } {
  const image = decodePng(new Uint8Array(readFileSync(path)), path);
  const pixels = image.width * image.height;
  // planes[c][p] in [0, 1]: the grey level for 1-channel models, R, G, B for colour ones.
  const planes = Array.from({ length: channels }, () => new Float32Array(pixels));
  for (let p = 0; p < pixels; p++) {
    if (channels === 1) {
      let s = 0;
      for (let c = 0; c < image.channels; c++) s += image.data[p * image.channels + c]!;
      planes[0]![p] = s / image.channels / 255;
    } else {
      for (let c = 0; c < channels; c++) {
        planes[c]![p] = image.data[p * image.channels + Math.min(c, image.channels - 1)]! / 255;
      }
    }
  }
  let inverted = false;
  if (channels === 1) {
    const grey = planes[0]!;
    const mean = grey.reduce((a, b) => a + b, 0) / grey.length;
    inverted = mean > 0.5;
    if (inverted) for (let p = 0; p < grey.length; p++) grey[p] = 1 - grey[p]!;
  }
  const out = new Float32Array(channels * size * size);
  for (let c = 0; c < channels; c++) {
    const plane = planes[c]!;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const x0 = Math.floor((x * image.width) / size);
        const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / size));
        const y0 = Math.floor((y * image.height) / size);
        const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / size));
        let s = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += plane[yy * image.width + xx]!;
        out[c * size * size + y * size + x] = s / ((x1 - x0) * (y1 - y0));
      }
    }
  }
  return { input: out, inverted };
}

/** The spec's Normalize transforms, applied as training applied them. */
function normalize(input: Float32Array, spec: ExperimentSpec, channels: number, size: number): void {
  for (const t of spec.data.transforms) {
    if (t.name !== 'Normalize') continue;
    for (let c = 0; c < channels; c++) {
      const mean = t.mean[Math.min(c, t.mean.length - 1)]!;
      const std = t.std[Math.min(c, t.std.length - 1)]!;
      for (let i = c * size * size; i < (c + 1) * size * size; i++) input[i] = (input[i]! - mean) / std;
    }
  }
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
    normalize(input, spec, channels, size);
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
