import { describe, expect, it } from 'vitest';
import { parseSpec, SpecError, specJsonSchema } from '../src/spec.js';

const minimal = {
  name: 'x',
  model: { type: 'nielsen', sizes: [784, 30, 10] },
  data: { dataset: 'bundled-digits', batchSize: 10 },
  loss: 'quadratic',
  optimizer: { type: 'sgd', lr: 3 },
  epochs: 1,
};

describe('experiment spec', () => {
  it('fills defaults', () => {
    const spec = parseSpec(minimal);
    expect(spec.seed).toBe(1);
    expect(spec.backend).toBe('cpu');
    expect(spec.monitor.evaluationAccuracy).toBe(true);
    expect(spec.model).toMatchObject({ activation: 'sigmoid', init: 'default' });
    expect(spec.data.evaluation).toBe('test');
  });

  it('names every bad field in one error', () => {
    const bad = {
      ...minimal,
      optimizer: { type: 'sgd', lr: -1 },
      data: { dataset: 'imagenet', batchSize: 0 },
      epochs: 1.5,
    };
    try {
      parseSpec(bad, 'spec.json');
      throw new Error('expected a SpecError');
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      const message = (e as Error).message;
      expect(message).toMatch(/^invalid spec.json:/);
      expect(message).toMatch(/optimizer\.lr: /);
      expect(message).toMatch(/data\.dataset: /);
      expect(message).toMatch(/data\.batchSize: /);
      expect(message).toMatch(/epochs: /);
      expect((e as SpecError).issues.length).toBeGreaterThanOrEqual(4);
    }
  });

  it('exports a JSON schema', () => {
    const schema = specJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain('optimizer');
  });
});

describe('presets', async () => {
  const { presets, getPreset } = await import('../src/presets.js');
  it('every preset validates and carries the book reference', () => {
    expect(presets.length).toBeGreaterThanOrEqual(20);
    for (const p of presets) expect(p.reference?.source).toBeTruthy();
    expect(getPreset('ch1-784-30-10').reference?.accuracy).toBe(95.42);
    expect(() => getPreset('nope')).toThrow(/Unknown preset 'nope'. Available presets: quickstart, /);
  });
});
