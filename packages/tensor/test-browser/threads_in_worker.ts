/** Run threads_check.ts in a fresh dedicated Web Worker (threads_worker.ts); resolves with its report. */
import type { ThreadsReport } from './threads_check.js';

export function checkThreadsInWorker(
  options: { repeats?: number; sweep?: boolean } = {},
): Promise<ThreadsReport> {
  const worker = new Worker(new URL('./threads_worker.ts', import.meta.url), { type: 'module' });
  return new Promise<ThreadsReport>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ThreadsReport & { error?: string }>) => {
      if (event.data.error) reject(new Error(event.data.error));
      else resolve(event.data);
    };
    worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    worker.postMessage(options);
  }).finally(() => worker.terminate());
}
