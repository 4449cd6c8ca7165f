import { describe, expect, it } from 'vitest';
import { addEvents, downsample, emptySeries, parseEventLines, summarize } from '../src/runs/derive';

describe('parseEventLines', () => {
  it('skips and reports malformed lines, keeps a torn last line for later', () => {
    const text = [
      '{"type":"batchEnd","epoch":1,"batch":1,"batches":2,"step":1,"loss":2,"ms":1,"lr":0.1}',
      'not json',
      '[1,2]',
      '{"type":"batchEnd","epoch":1,"batch":2,"batches":2,"step":2,"loss":1,"ms":1,"lr":0.1}',
      '{"type":"epochEnd","ep',
    ].join('\n');
    const { events, malformed, consumed, lines } = parseEventLines(text);
    expect(events.map((e) => e.type)).toEqual(['batchEnd', 'batchEnd']);
    expect(malformed.map((m) => m.line)).toEqual([2, 3]);
    expect(text.slice(consumed)).toBe('{"type":"epochEnd","ep');
    expect(lines).toBe(4);
  });

  it('reports a torn line in the middle of the file', () => {
    const { malformed } = parseEventLines('{"type":"batch\n{"type":"runEnd"}\n', 0, 10);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]!.line).toBe(10);
  });
});

describe('series', () => {
  it('folds events into curves', () => {
    const s = addEvents(emptySeries(null), [
      { type: 'batchEnd', epoch: 1, batch: 1, batches: 1, step: 1, loss: 3, ms: 1, lr: 0.5 },
      {
        type: 'epochEnd',
        epoch: 1,
        epochs: 1,
        step: 1,
        lr: 0.5,
        seconds: 1,
        throughput: 1,
        evaluationAccuracy: 90,
      },
      {
        type: 'gradientStats',
        epoch: 1,
        step: 1,
        layers: [{ layer: 'a', weightNorm: 1, weightGradNorm: 0.1, biasGradNorm: 0.01, speed: 0.01 }],
      },
    ]);
    expect(s.loss).toEqual([[1, 3]]);
    expect(s.evaluationAccuracy).toEqual([[1, 90]]);
    expect(s.layers).toEqual(['a']);
  });

  it('downsamples by bucket means', () => {
    const points = Array.from({ length: 100 }, (_, i) => [i, i] as [number, number]);
    const d = downsample(points, 10);
    expect(d).toHaveLength(10);
    expect(d[0]).toEqual([4.5, 4.5]);
  });

  it('marks a run without summary and without recent events as interrupted', () => {
    const entry = summarize('r', null, [], null, { modified: 0, now: 60 * 60 * 1000, created: 0 });
    expect(entry.status).toBe('interrupted');
    const live = summarize('r', null, [], null, { modified: 1000, now: 2000, created: 0 });
    expect(live.status).toBe('running');
  });
});
