/**
 * The worker side of the pool: a worker module lists its tasks with `exposeTasks`, and the pool calls them by name.
 *
 * @example
 * // my-worker.ts
 * import { exposeTasks, transfer } from '@nndl/data/worker';
 * exposeTasks({
 *   square(values: Float32Array) {
 *     for (let i = 0; i < values.length; i++) values[i] = values[i]! * values[i]!;
 *     return transfer(values, [values.buffer]); // moved back, not copied
 *   },
 * });
 */

import { expose, transfer } from 'comlink';
import { platform } from '#platform';

// biome-ignore lint/suspicious/noExplicitAny: tasks take whatever their callers send; the pool can't know it.
export type TaskTable = Record<string, (...args: any[]) => unknown>;

/** What the pool sees of a worker (through comlink). */
export interface WorkerApi {
  call(task: string, args: unknown[]): Promise<unknown>;
  threadId(): number;
}

/** Expose `tasks` to the pool that started this worker (Node worker_threads or a Web Worker alike). */
export function exposeTasks(tasks: TaskTable): void {
  const api: WorkerApi = {
    async call(task, args) {
      const fn = tasks[task];
      if (fn === undefined) {
        throw new Error(`worker: no task named "${task}"; this worker has: ${Object.keys(tasks).join(', ')}`);
      }
      return fn(...args);
    },
    threadId: () => platform.threadId(),
  };
  expose(api, platform.parentEndpoint());
}

/** Mark `value` so that `buffers` are moved to the other side instead of copied (comlink's `transfer`). */
export { transfer };
