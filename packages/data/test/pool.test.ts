import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { type WorkerErrorReport, WorkerPool } from '../src/pool.js';

const workerModule = new URL('./fixtures/pool-worker.ts', import.meta.url);
const pools: WorkerPool[] = [];

async function makePool(options: Partial<Parameters<typeof WorkerPool.create>[0]> = {}): Promise<WorkerPool> {
  const pool = await WorkerPool.create({ module: workerModule, size: 2, ...options });
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('WorkerPool', () => {
  test('runs named tasks and spreads them over the workers', async () => {
    const pool = await makePool();
    expect(await pool.run('add', [2, 3])).toBe(5);
    const ids = await Promise.all([pool.run<number>('sleep', [150]), pool.run<number>('sleep', [150])]);
    expect(new Set(ids).size).toBe(2);
    expect(pool.stats.tasksPerWorker.every((n) => n > 0)).toBe(true);
  });

  test('transfers buffers both ways instead of copying them', async () => {
    const pool = await makePool();
    const values = Float32Array.from([1, 2, 3]);
    const result = await pool.run<{ values: Float32Array }>('square', [values], {
      transfer: [values.buffer],
    });
    expect(values.byteLength).toBe(0); // detached: it moved to the worker
    expect([...result.values]).toEqual([1, 4, 9]);
  });

  test('when no worker can restart, new tasks reject at once (no hang) and close() still succeeds', async () => {
    const counter = new SharedArrayBuffer(4);
    const pool = await WorkerPool.create({
      module: workerModule,
      size: 2,
      setup: { task: 'setupFailsAfter', args: [counter, 2] },
    });
    await expect(pool.run('exit', [3])).rejects.toThrow(/killed its worker/);
    // Give the failed replacements a moment to be recorded.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await expect(pool.run('add', [1, 2])).rejects.toThrow(/no worker left for task "add"/);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(pool.close()).resolves.toBeUndefined();
  });

  test('runs the setup task on every worker, replacements included', async () => {
    const pool = await makePool({ setup: { task: 'setup', args: [42] } });
    expect(await pool.runOnEach('setupValue')).toEqual([42, 42]);
    await pool.run('exitOnce', [new SharedArrayBuffer(4)]);
    expect(await pool.runOnEach('setupValue')).toEqual([42, 42]);
  });

  test('a task that throws is reported, its worker replaced, and the task retried once', async () => {
    const reports: WorkerErrorReport[] = [];
    const pool = await makePool({ onWorkerError: (r) => reports.push(r) });
    expect(await pool.run('throwsOnce', [new SharedArrayBuffer(4)])).toBe('ok');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ task: 'throwsOnce', kind: 'threw', attempt: 1 });
    expect(reports[0]!.error.message).toContain('first try fails');
    expect(pool.stats.restarts).toBe(1);
  });

  test('a worker that dies is reported with its task, replaced, and the task retried', async () => {
    const reports: WorkerErrorReport[] = [];
    const pool = await makePool({ onWorkerError: (r) => reports.push(r) });
    expect(await pool.run('exitOnce', [new SharedArrayBuffer(4)])).toBe('ok');
    expect(reports).toMatchObject([{ task: 'exitOnce', kind: 'died' }]);
    expect(reports[0]!.error.message).toContain('exited with code 3');
    expect(await pool.run('add', [1, 1])).toBe(2); // the pool still works
  });

  test('a task that fails twice reaches the caller, naming the task', async () => {
    const pool = await makePool();
    await expect(pool.run('throws', ['boom'])).rejects.toThrow(
      /task "throws" \(#\d+\) threw .* again after a retry: boom/,
    );
    await expect(pool.run('exit', [5])).rejects.toThrow(/task "exit" \(#\d+\) killed its worker .*code 5/);
    expect(pool.failures).toHaveLength(4);
    await expect(pool.run('nope')).rejects.toThrow(/no task named "nope"/);
  });

  test('close() ends every worker and rejects what is still queued', async () => {
    const pool = await makePool({ size: 1 });
    const running = pool.run('sleep', [5000]);
    const queued = pool.run('add', [1, 2]);
    const checks = Promise.all([
      expect(running).rejects.toThrow(/closed while task "sleep"/),
      expect(queued).rejects.toThrow(/closed before task "add"/),
    ]);
    await pool.close();
    await checks;
    await expect(pool.run('add', [1, 2])).rejects.toThrow(/after close/);
  });

  test('no worker is left behind: a process that used a pool exits by itself', { timeout: 60_000 }, () => {
    const script = fileURLToPath(new URL('./fixtures/pool-exit.ts', import.meta.url));
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 40_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('done 5 2');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(40_000);
  });
});
