import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '@nndl/nn';
import { Generator, randint, randn } from '@nndl/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModel } from '../src/model.js';
import { createDataParallel, RunStore, resumeExperiment, runExperiment } from '../src/node/index.js';
import { type ExperimentSpecInput, parseSpec } from '../src/spec.js';

const runsDir = mkdtempSync(join(tmpdir(), 'nndl-dp-'));
afterAll(() => rmSync(runsDir, { recursive: true, force: true }));

const spec = (workers: number, over: Partial<ExperimentSpecInput> = {}) =>
  parseSpec({
    name: `dp-${workers}`,
    model: { type: 'nielsen', sizes: [784, 20, 10] },
    data: { dataset: 'bundled-digits', batchSize: 10, trainSize: 300 },
    loss: 'cross-entropy',
    optimizer: { type: 'sgd', lr: 0.5, momentum: 0.5 },
    lambda: 1,
    epochs: 2,
    workers,
    ...over,
  });

async function losses(workers: number, over: Partial<ExperimentSpecInput> = {}) {
  const out: number[] = [];
  let accuracy = 0;
  await runExperiment(spec(workers, over), {
    runsDir,
    onEvent: (e) => {
      if (e.type === 'batchEnd') out.push(e.loss);
      if (e.type === 'epochEnd') accuracy = e.evaluationAccuracy!;
    },
  });
  return { out, accuracy };
}

describe('data-parallel training', () => {
  it('two and three replicas equal single-replica training to float tolerance (MLP)', async () => {
    const one = await losses(1);
    for (const workers of [2, 3]) {
      const many = await losses(workers);
      expect(many.out).toHaveLength(one.out.length);
      for (let i = 0; i < one.out.length; i++) expect(many.out[i]).toBeCloseTo(one.out[i]!, 4);
      expect(many.accuracy).toBeCloseTo(one.accuracy, 0);
    }
  });

  it('really splits each batch: worker threads compute their shares', async () => {
    const s = spec(3);
    const built = buildModel(s, new Generator(1));
    const parallel = await createDataParallel(s, built, 3);
    try {
      const x = randn([10, 784]);
      const y = randint(0, 10, [10]);
      const value = await parallel.step(x, y);
      expect(parallel.tasksPerWorker()).toEqual([1, 1]);
      const grads = built.module.parameters().map((p) => Array.from(p.grad!.dataSync()));
      // The same gradient computed in one piece.
      const reference = buildModel(s, new Generator(1));
      const loss = reference.loss(reference.forward(x), y);
      loss.backward();
      expect(value).toBeCloseTo(loss.item(), 5);
      reference.module.parameters().forEach((p, i) => {
        const g = p.grad!.dataSync();
        for (let k = 0; k < g.length; k++) expect(grads[i]![k]).toBeCloseTo(g[k]!, 5);
      });
    } finally {
      await parallel.close();
    }
  });

  it('equals single-replica training for a conv net', async () => {
    const over = {
      model: { type: 'network3', net: 'one-conv' },
      loss: 'log-likelihood',
      lambda: 0,
      epochs: 1,
      data: { dataset: 'bundled-digits', batchSize: 10, trainSize: 100 },
    } as const;
    const one = await losses(1, over);
    const two = await losses(2, over);
    for (let i = 0; i < one.out.length; i++) expect(two.out[i]).toBeCloseTo(one.out[i]!, 4);
  });

  it('a crashed replica stops the run with a clear error and leaves the last checkpoint intact', async () => {
    const controller = new AbortController();
    const { runId } = await runExperiment(spec(2, { epochs: 3 }), {
      runsDir,
      signal: controller.signal,
      onEvent: (e) => void (e.type === 'epochEnd' && controller.abort()),
    });
    const store = new RunStore(runsDir);
    const before = store.lastCheckpoint(runId)!;
    const bytes = readFileSync(before);
    process.env.NNDL_FAULT_REPLICA_EXIT = '1';
    try {
      await expect(resumeExperiment(runId, { runsDir })).rejects.toThrow(
        /data-parallel training failed: replica 1 died in grad.*last checkpoint is intact/,
      );
    } finally {
      delete process.env.NNDL_FAULT_REPLICA_EXIT;
    }
    expect(existsSync(before)).toBe(true);
    expect(readFileSync(before).equals(bytes)).toBe(true);
    expect(() => loadCheckpoint(new Uint8Array(bytes))).not.toThrow();
    expect(store.summary(runId).status).toBe('failed');
  });
});

describe('ensemble vote', () => {
  it('trains each member as its own run and classifies by their plurality vote', async () => {
    const events: { type: string; accuracy?: number; members?: { accuracy: number | null }[] }[] = [];
    const { runId, end } = await runExperiment(spec(1, { ensemble: 3, epochs: 1 }), {
      runsDir,
      onEvent: (e) => void (e.type === 'ensemble' && events.push(e)),
    });
    expect(events).toHaveLength(1);
    const vote = events[0]!;
    expect(vote.members).toHaveLength(3);
    const accuracies = vote.members!.map((m) => m.accuracy!);
    expect(new Set(accuracies).size).toBeGreaterThan(1);
    // A vote of three weak learners lands within the spread of its members (usually above the mean).
    expect(vote.accuracy!).toBeGreaterThanOrEqual(Math.min(...accuracies) - 2);
    expect(end.bestEvaluationAccuracy).toBe(vote.accuracy);
    const store = new RunStore(runsDir);
    expect(store.summary(runId).bestEvaluationAccuracy).toBe(vote.accuracy);
    expect(store.summary(`${runId}-m2`).status).toBe('finished');
  });
});
