/**
 * Two threads for the CPU backend's wasm kernels in a cross-origin isolated page (this project's server sends
 * COOP/COEP, vitest.browser.config.ts): the kernel worker (a Web Worker from a Blob URL) comes up, takes jobs, and large
 * products and convolutions give the same bits as on one thread, on the page's main thread (which may not block in
 * Atomics.wait, so it spins) and in a dedicated worker (which waits as Node does).
 */
import { describe, expect, it } from 'vitest';
import { checkThreads, type ThreadsReport } from './threads_check.js';
import { checkThreadsInWorker } from './threads_in_worker.js';

function expectTwoThreads(report: ThreadsReport) {
  expect(report.crossOriginIsolated).toBe(true);
  expect(report.sharedArrayBuffer).toBe(true);
  expect(report.cores).toBeGreaterThanOrEqual(2);
  expect(report.threadedKind).toMatch(/-threads$/);
  expect(report.ready).toBe(true);
  expect(report.backendThreads).toBe(2);
  expect(report.compared).toBe(10);
  expect(report.mismatches).toEqual([]);
  // Every call split (all are above the threshold) and the worker ran every other half (take-back is off while the
  // check compares).
  expect(report.reclaimed).toBe(0);
  expect(report.jobs).toBeGreaterThanOrEqual(report.compared);
  expect(report.warnings).toBe(0);
}

describe('cpu kernels on two threads in the browser', () => {
  it('the page is cross-origin isolated', () => {
    expect(crossOriginIsolated).toBe(true);
  });

  it('on the main thread (spinning, not blocking): the worker takes jobs, results are bit-identical', async () => {
    const report = await checkThreads();
    expect(report.context).toBe('page');
    expect(report.canBlock).toBe(false);
    expectTwoThreads(report);
  });

  it('in a dedicated worker (blocking as in Node): the worker takes jobs, results are bit-identical', async () => {
    const report = await checkThreadsInWorker();
    expect(report.context).toBe('worker');
    expect(report.canBlock).toBe(true);
    expectTwoThreads(report);
  });
});
