import { BundledDigits } from '@nndl/data';
import { Generator, noGrad, randn } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../src/model.js';
import { loadData } from '../src/node/data.js';
import { presets } from '../src/presets.js';
import { gradientStats, probeLayers } from '../src/probes.js';
import { parseSpec } from '../src/spec.js';
import { batchOf } from '../src/trainer.js';

describe('every preset builds', () => {
  for (const preset of presets) {
    it(`${preset.name}: model, loss and prediction on a batch of the right shape`, () => {
      const built = buildModel(preset, new Generator(1));
      expect(built.module.parameters().length).toBeGreaterThan(0);
      if (preset.model.type === 'resnet34') return; // built; a forward pass of ResNet34 is tested in @nndl/nn
      const input =
        preset.data.dataset === 'linear'
          ? randn([2, 1])
          : preset.data.dataset === 'cifar10'
            ? randn([2, 3, 32, 32])
            : randn([2, 1, 28, 28]);
      const targets =
        preset.data.dataset === 'linear'
          ? randn([2, 1])
          : batchOf({ length: 2, get: (i: number) => [randn([1]), i] } as never, [0, 1])[1];
      const out = noGrad(() => built.forward(input));
      expect(out.shape[0]).toBe(2);
      expect(Number.isFinite(built.loss(out, targets).item())).toBe(true);
    });
  }
});

describe('chapter 5 probe at initialization', () => {
  it('[784,30,30,30,10]: speeds in the book order of magnitude, earlier layers slower', async () => {
    const spec = presets.find((p) => p.name === 'ch5-deep-3')!;
    const train = await BundledDigits.load({ split: 'train' });
    const built = buildModel(spec, new Generator(spec.seed));
    const [x, y] = batchOf(
      train,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const stats = gradientStats(built, probeLayers(built.module), x, y, { histograms: true, bins: 10 });
    const speeds = stats.slice(0, 3).map((s) => s.speed);
    const book = [0.0118, 0.06, 0.2831];
    for (let i = 0; i < 3; i++) {
      expect(speeds[i]!).toBeGreaterThan(book[i]! / 5);
      expect(speeds[i]!).toBeLessThan(book[i]! * 5);
    }
    expect(speeds[0]!).toBeLessThan(speeds[1]!);
    expect(speeds[1]!).toBeLessThan(speeds[2]!);
    expect(stats[0]!.weightHistogram!.counts.reduce((a, b) => a + b, 0)).toBe(784 * 30);
  });
});

describe('normalize everywhere, augment only the training set', () => {
  it('Normalize reaches the evaluation set and the plain training set; RandomShift only the training set', async () => {
    const spec = parseSpec({
      name: 'n',
      model: { type: 'nielsen', sizes: [784, 10] },
      data: {
        dataset: 'bundled-digits',
        batchSize: 10,
        trainSize: 20,
        transforms: [{ name: 'RandomShift' }, { name: 'Normalize', mean: [0.5], std: [0.5] }],
      },
      loss: 'quadratic',
      optimizer: { type: 'sgd', lr: 1 },
      epochs: 1,
    });
    const data = await loadData(spec);
    const [e] = batchOf(data.evaluation, [0]);
    expect(e.min().item()).toBeCloseTo(-1, 5);
    const [plain] = batchOf(data.trainForEvaluation!, [0, 1]);
    const [again] = batchOf(data.trainForEvaluation!, [0, 1]);
    expect(Array.from(plain.dataSync())).toEqual(Array.from(again.dataSync()));
    expect(plain.min().item()).toBeCloseTo(-1, 5);
  });
});

describe('training transforms', () => {
  it('applies the spec augmentations to the training set only', async () => {
    const spec = parseSpec({
      name: 't',
      model: { type: 'nielsen', sizes: [784, 10] },
      data: {
        dataset: 'bundled-digits',
        batchSize: 10,
        trainSize: 50,
        transforms: [{ name: 'RandomShift' }],
      },
      loss: 'quadratic',
      optimizer: { type: 'sgd', lr: 1 },
      epochs: 1,
    });
    const data = await loadData(spec);
    const plain = await loadData({ ...spec, data: { ...spec.data, transforms: [] } });
    const [a] = batchOf(data.train, [0, 1, 2, 3]);
    const [b] = batchOf(plain.train, [0, 1, 2, 3]);
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    expect(a.sum().item()).toBeLessThanOrEqual(b.sum().item() + 1e-3);
    const [e1] = batchOf(data.evaluation, [0]);
    const [e2] = batchOf(plain.evaluation, [0]);
    expect(Array.from(e1.dataSync())).toEqual(Array.from(e2.dataSync()));
  });
});
