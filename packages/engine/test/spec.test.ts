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

describe('runs without a file system', async () => {
  const { parseEventsJsonl, summarizeEvents } = await import('../src/runs.js');
  it('parses events.jsonl, skipping malformed lines, and summarizes a running run', () => {
    const text = [
      JSON.stringify({ type: 'runStart', time: 1 }),
      '{"type": "epochEnd", "epoch": 1, "step": 10, "seconds": 2, "evaluationAccuracy": 90}',
      '{broken',
      '42',
      JSON.stringify({ type: 'epochEnd', epoch: 2, step: 20, seconds: 2, evaluationAccuracy: 89 }),
      '',
    ].join('\n');
    const { events, skipped, skippedLines } = parseEventsJsonl(text);
    expect(events).toHaveLength(3);
    expect(skipped).toBe(2);
    expect(skippedLines).toEqual([3, 4]);
    const s = summarizeEvents('r', { name: 'x' }, events);
    expect(s).toMatchObject({
      status: 'running',
      epochs: 2,
      steps: 20,
      bestEvaluationAccuracy: 90,
      finalEvaluationAccuracy: 89,
      seconds: 4,
    });
  });
});
