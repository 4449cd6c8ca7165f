import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainerEvent } from '../src/events.js';
import { RunStore, resumeExperiment, runExperiment } from '../src/node/index.js';
import { parseSpec } from '../src/spec.js';

const runsDir = mkdtempSync(join(tmpdir(), 'nndl-runs-'));
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const small = (over: Record<string, unknown> = {}) =>
  parseSpec({
    name: 'small',
    model: { type: 'nielsen', sizes: [784, 16, 10], init: 'default' },
    data: { dataset: 'bundled-digits', batchSize: 10, trainSize: 500 },
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.5 },
    epochs: 2,
    monitor: { trainingCost: true, evaluationAccuracy: true },
    probes: { every: 25, probeSize: 100 },
    ...over,
  });

describe('Trainer on the bundled digits', () => {
  it('trains, emits typed events, writes the run store, and learns', async () => {
    const events: TrainerEvent[] = [];
    const { runId, end } = await runExperiment(small(), { runsDir, onEvent: (e) => void events.push(e) });
    expect(end.status).toBe('finished');
    expect(events[0]?.type).toBe('runStart');
    expect(events.filter((e) => e.type === 'batchEnd')).toHaveLength(100);
    const epochs = events.filter((e) => e.type === 'epochEnd');
    expect(epochs).toHaveLength(2);
    expect(epochs[1]!.evaluationAccuracy).toBeGreaterThan(60);
    expect(epochs[1]!.trainingCost).toBeLessThan(epochs[0]!.trainingCost!);
    const probes = events.filter((e) => e.type === 'gradientStats');
    expect(probes.length).toBeGreaterThanOrEqual(4);
    expect(probes[0]!.layers.map((l) => l.layer)).toEqual(['layers.0', 'layers.1']);
    const store = new RunStore(runsDir);
    expect(store.list()[0]!.runId).toBe(runId);
    expect(store.summary(runId).status).toBe('finished');
    const stored = store.events(runId);
    expect(stored.skipped).toBe(0);
    expect(stored.events.length).toBe(events.length);
    expect(store.lastCheckpoint(runId)).toMatch(/epoch-2\.safetensors$/);
    expect(JSON.parse(readFileSync(join(runsDir, runId, 'spec.json'), 'utf8')).name).toBe('small');
  });

  it('is deterministic by seed', async () => {
    const losses = async () => {
      const out: number[] = [];
      await runExperiment(small({ epochs: 1 }), {
        runsDir,
        onEvent: (e) => void (e.type === 'batchEnd' && out.push(e.loss)),
      });
      return out;
    };
    expect(await losses()).toEqual(await losses());
  });

  it('is deterministic by seed for a conv net too (kernels that split across threads included)', async () => {
    const spec = small({
      epochs: 1,
      probes: { every: 0 },
      model: { type: 'network3', net: 'one-conv' },
      loss: 'log-likelihood',
      optimizer: { type: 'sgd', lr: 0.1 },
      data: { dataset: 'bundled-digits', batchSize: 10, trainSize: 200 },
    });
    const losses = async () => {
      const out: number[] = [];
      await runExperiment(spec, {
        runsDir,
        onEvent: (e) => void (e.type === 'batchEnd' && out.push(e.loss)),
      });
      return out;
    };
    expect(await losses()).toEqual(await losses());
  });

  it('resumes a stopped run to the same result as an uninterrupted one', async () => {
    const spec = small({ epochs: 3, probes: { every: 0 } });
    const full: number[] = [];
    await runExperiment(spec, {
      runsDir,
      runId: 'full',
      onEvent: (e) => void (e.type === 'epochEnd' && full.push(e.evaluationAccuracy!)),
    });
    // Stop after the first epoch's checkpoint, then resume.
    const controller = new AbortController();
    const first: number[] = [];
    await runExperiment(spec, {
      runsDir,
      runId: 'interrupted',
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'epochEnd') {
          first.push(e.evaluationAccuracy!);
          controller.abort();
        }
      },
    });
    const rest: number[] = [];
    const { end } = await resumeExperiment('interrupted', {
      runsDir,
      onEvent: (e) => void (e.type === 'epochEnd' && rest.push(e.evaluationAccuracy!)),
    });
    expect(end.status).toBe('finished');
    expect([...first, ...rest]).toEqual(full);
  });

  it('resumes exactly from a stop in the middle of an epoch', async () => {
    const spec = small({
      epochs: 2,
      probes: { every: 0 },
      model: { type: 'network3', net: 'shallow' },
      loss: 'log-likelihood',
      optimizer: { type: 'sgd', lr: 0.1 },
    });
    const full: number[] = [];
    await runExperiment(spec, {
      runsDir,
      runId: 'full-mid',
      onEvent: (e) => void (e.type === 'batchEnd' && full.push(e.loss)),
    });
    const controller = new AbortController();
    const parts: number[] = [];
    const onEvent = (e: TrainerEvent) => {
      if (e.type !== 'batchEnd') return;
      parts.push(e.loss);
      if (e.step === 70) controller.abort();
    };
    const first = await runExperiment(spec, { runsDir, runId: 'mid', signal: controller.signal, onEvent });
    expect(first.end.status).toBe('stopped');
    await resumeExperiment('mid', { runsDir, onEvent });
    expect(parts).toEqual(full);
  });

  it('resumes exactly with dropout (the model generator is checkpointed)', async () => {
    const spec = small({
      epochs: 2,
      probes: { every: 0 },
      model: {
        type: 'layers',
        layers: [
          { type: 'flatten' },
          { type: 'linear', inFeatures: 784, outFeatures: 32 },
          { type: 'relu' },
          { type: 'dropout', p: 0.5 },
          { type: 'linear', inFeatures: 32, outFeatures: 10 },
        ],
      },
      loss: 'log-likelihood',
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.5 },
    });
    const full: number[] = [];
    await runExperiment(spec, {
      runsDir,
      runId: 'drop-full',
      onEvent: (e) => void (e.type === 'batchEnd' && full.push(e.loss)),
    });
    const controller = new AbortController();
    const parts: number[] = [];
    const onEvent = (e: TrainerEvent) => {
      if (e.type !== 'batchEnd') return;
      parts.push(e.loss);
      if (e.step === 33) controller.abort();
    };
    await runExperiment(spec, { runsDir, runId: 'drop-mid', signal: controller.signal, onEvent });
    await resumeExperiment('drop-mid', { runsDir, onEvent });
    expect(parts).toEqual(full);
  });

  it('makes a folder-safe run id from any spec name, and lists a store with an unreadable run', async () => {
    const { runId } = await runExperiment(small({ name: 'my run/2', epochs: 1, probes: { every: 0 } }), {
      runsDir,
    });
    expect(runId).toMatch(/-my-run-2$/);
    const store = new RunStore(runsDir);
    writeFileSync(join(runsDir, runId, 'summary.json'), '{"runId":');
    const listed = store.list();
    expect(listed.find((r) => r.runId === runId)?.error).toMatch(/unreadable/);
    expect(listed.length).toBeGreaterThan(1);
  });

  it('stops on a NaN loss naming the step and the layer', async () => {
    const spec = parseSpec({
      name: 'diverge',
      model: { type: 'linearRegression' },
      data: { dataset: 'linear', batchSize: 10, samples: 100 },
      loss: 'mse',
      optimizer: { type: 'sgd', lr: 1e6 },
      epochs: 50,
    });
    await expect(runExperiment(spec, { runsDir })).rejects.toThrow(
      /training diverged at step \d+ \(epoch \d+, batch \d+\): the loss is (NaN|Infinity); the first layer to go bad was (linear|the cost itself).*Lower the learning rate/,
    );
  });
});
