/**
 * CPU kernels on one thread and on two, in headless Chromium with cross-origin isolation (the 'webgl' project's
 * server sends COOP/COEP): each large call of threads_check.ts timed on the single-threaded arena and on the threaded
 * one (copies in and out included; median of 9 after a warm-up), on the page's main thread and in a dedicated worker.
 * Prints a table; not part of `pnpm test`.
 * Run: pnpm --filter @nndl/tensor bench:threads
 */
import { it } from 'vitest';
import { checkThreads, type ThreadsReport } from './threads_check.js';
import { checkThreadsInWorker } from './threads_in_worker.js';

const REPEATS = 9;

function table(report: ThreadsReport): string {
  const rows = Object.entries(report.timings ?? {}).map(
    ([name, [one, two]]) =>
      `| ${name} | ${one.toFixed(2)} | ${two.toFixed(2)} | ${(one / two).toFixed(2)}x |`,
  );
  return [
    `${report.context}: ${report.threadedKind} vs ${report.singleKind}, worker ready ${report.ready}, ` +
      `jobs ${report.jobs} run by the worker, ${report.reclaimed} taken back, mismatches ${report.mismatches.length}`,
    '| call | one thread (ms) | two threads (ms) | speed-up |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '| n (n x n x n, all split) | one thread (ms) | two, back to back | two, worker asleep (3 ms pauses) |',
    '| --- | --- | --- | --- |',
    ...Object.entries(report.sweep ?? {}).map(
      ([n, [one, busy, asleep]]) =>
        `| ${n} | ${one.toFixed(3)} | ${busy.toFixed(3)} | ${asleep.toFixed(3)} |`,
    ),
  ].join('\n');
}

it('times one vs two threads', async () => {
  const page = await checkThreads({ repeats: REPEATS, sweep: true });
  const worker = await checkThreadsInWorker({ repeats: REPEATS, sweep: true });
  console.log(
    `${navigator.userAgent}, ${navigator.hardwareConcurrency} cores\n\n${table(page)}\n\n${table(worker)}`,
  );
}, 600_000);
