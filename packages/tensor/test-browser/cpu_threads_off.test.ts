/**
 * Without cross-origin isolation (this project's server sends no COOP/COEP, vitest.browser.config.ts) there is no
 * SharedArrayBuffer: the CPU backend loads the single-threaded wasm kernels, on the page and in a worker, quietly.
 */
import { describe, expect, it } from 'vitest';
import { checkThreads, type ThreadsReport } from './threads_check.js';
import { checkThreadsInWorker } from './threads_in_worker.js';

function expectOneThread(report: ThreadsReport) {
  expect(report.crossOriginIsolated).toBe(false);
  expect(report.sharedArrayBuffer).toBe(false);
  expect(report.threadedKind).toBeNull();
  expect(report.singleKind).toMatch(/simd$/);
  expect(report.ready).toBe(false);
  expect(report.backendThreads).toBe(1);
  expect(report.warnings).toBe(0);
}

describe('cpu kernels without cross-origin isolation', () => {
  it('stay on one thread on the main thread', async () => {
    const report = await checkThreads();
    expect(report.context).toBe('page');
    expectOneThread(report);
  });

  it('stay on one thread in a worker', async () => {
    const report = await checkThreadsInWorker();
    expect(report.context).toBe('worker');
    expectOneThread(report);
  });
});
