/**
 * A pool of workers that runs named tasks of one worker module: worker_threads in Node, Web Workers in the
 * browser, the same API on both (the `#platform` adapter picks the implementation). Used by the DataLoader for
 * loading and augmentation, and meant for the engine's data-parallel training.
 *
 * Failure policy: a task that throws, or whose worker dies, is reported (`onWorkerError`, `failures`), the worker
 * is replaced (its state may be broken), and the task is retried once on a fresh worker before its error reaches
 * the caller.
 */

import { type Remote, releaseProxy, transfer as transferMarker, wrap } from 'comlink';
import { platform as defaultPlatform } from '#platform';
import type { Platform, WorkerHandle } from './platform/types.js';
import type { WorkerApi } from './worker/expose.js';

export interface WorkerPoolOptions {
  /** URL of the worker module (one that calls `exposeTasks`). A .ts URL is run through tsx in Node. */
  module: URL | string;
  /** Number of workers; default: the number of cores less one, at least 1. */
  size?: number;
  /** A task run on every worker as it starts, replacements included (e.g. to build a dataset). */
  setup?: { task: string; args?: unknown[] };
  /** Called for every failure, including those that the retry then hides. */
  onWorkerError?: (report: WorkerErrorReport) => void;
  /** Name shown in debuggers. */
  name?: string;
  /** Override the platform adapter (tests). */
  platform?: Platform;
}

export interface RunOptions {
  /** Buffers to move to the worker instead of copying. */
  transfer?: Transferable[];
  /**
   * Retry once on failure (default true). A transferred argument is gone after the first send, so a retried
   * task with `transfer` keeps a copy of its arguments; pass `retry: false` to avoid that copy.
   */
  retry?: boolean;
}

/** One failure of a task on a worker. */
export interface WorkerErrorReport {
  /** The slot of the worker that failed (0..size-1); the replacement takes the same slot. */
  workerIndex: number;
  task: string;
  taskId: number;
  /** 1 for the first try, 2 for the retry. */
  attempt: number;
  /** `threw`: the task threw; `died`: the worker exited or crashed while running it. */
  kind: 'threw' | 'died';
  error: Error;
}

interface PendingTask {
  id: number;
  name: string;
  args: unknown[];
  transfer: Transferable[];
  backup: unknown[] | undefined;
  retry: boolean;
  attempt: number;
  workerIndex: number | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  index: number;
  handle: WorkerHandle;
  remote: Remote<WorkerApi>;
  /** Rejects when the worker dies; raced against each task. */
  died: Promise<never>;
  ready: boolean;
  busy: boolean;
  /** Its worker could not start: nothing will ever run here. */
  dead: boolean;
  /** Its proxy was released and its worker terminated (endSlot ran). */
  released: boolean;
}

/** The ways a pool finished a task, per worker slot (to check that work spread). */
export interface PoolStats {
  tasksPerWorker: number[];
  restarts: number;
}

/**
 * @example
 * const pool = await WorkerPool.create({ module: new URL('./my-worker.js', import.meta.url), size: 2 });
 * const squared = await pool.run<Float32Array>('square', [values], { transfer: [values.buffer] });
 * await pool.close();
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: PendingTask[] = [];
  private nextTaskId = 1;
  private closed = false;
  private readonly platform: Platform;
  private readonly moduleUrl: string;
  readonly failures: WorkerErrorReport[] = [];
  readonly stats: PoolStats;

  private constructor(private readonly options: WorkerPoolOptions & { size: number }) {
    this.platform = options.platform ?? defaultPlatform;
    this.moduleUrl = options.module.toString();
    this.stats = { tasksPerWorker: new Array<number>(options.size).fill(0), restarts: 0 };
  }

  /** Start `size` workers and run the setup task on each; rejects (and ends them all) if one can't start. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const size = options.size ?? Math.max(1, (options.platform ?? defaultPlatform).hardwareConcurrency() - 1);
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(`WorkerPool: size must be a positive integer, got ${size}`);
    }
    const pool = new WorkerPool({ ...options, size });
    try {
      await Promise.all(Array.from({ length: size }, (_, i) => pool.startSlot(i)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.options.size;
  }

  /** Run `task(...args)` on the next free worker. */
  run<T = unknown>(task: string, args: unknown[] = [], options: RunOptions = {}): Promise<T> {
    return this.enqueue<T>(task, args, options, undefined);
  }

  /** Run `task(...args)` on one given worker (e.g. the replica that holds some state). */
  runOn<T = unknown>(
    workerIndex: number,
    task: string,
    args: unknown[] = [],
    options: RunOptions = {},
  ): Promise<T> {
    if (!Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= this.size) {
      throw new Error(`WorkerPool.runOn: worker index ${workerIndex} is out of range [0, ${this.size})`);
    }
    return this.enqueue<T>(task, args, options, workerIndex);
  }

  /** Run `task(...args)` once on every worker; results in worker order. */
  runOnEach<T = unknown>(task: string, args: unknown[] = []): Promise<T[]> {
    return Promise.all(this.slots.map((slot) => this.runOn<T>(slot.index, task, args)));
  }

  /** End every worker. Queued tasks reject; the pool can't be used afterwards. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      task.reject(new Error(`worker pool: closed before task "${task.name}" (#${task.id}) ran`));
    }
    await Promise.all(this.slots.map((slot) => this.endSlot(slot)));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Workers

  private async startSlot(index: number): Promise<void> {
    const handle = this.platform.spawnWorker(this.moduleUrl, {
      name: `${this.options.name ?? 'nndl-pool'}-${index}`,
    });
    let markDead: (reason: Error) => void = () => {};
    const died = new Promise<never>((_, reject) => {
      markDead = reject;
    });
    died.catch(() => {}); // observed through the race in execute(); this only silences the idle case
    handle.onExit((reason) => markDead(reason));
    const slot: Slot = {
      index,
      handle,
      remote: wrap<WorkerApi>(handle.endpoint),
      died,
      ready: false,
      busy: true,
      dead: false,
      released: false,
    };
    this.slots[index] = slot;
    const setup = this.options.setup;
    if (setup !== undefined) {
      try {
        await Promise.race([slot.remote.call(setup.task, setup.args ?? []), died]);
      } catch (cause) {
        slot.dead = true;
        await this.endSlot(slot);
        throw new Error(
          `worker pool: setup task "${setup.task}" failed on worker ${index}: ${message(cause)}`,
          {
            cause,
          },
        );
      }
    }
    slot.ready = true;
    slot.busy = false;
    handle.unref(); // idle workers must not keep a Node process alive
    this.pump();
  }

  /** Release a slot's proxy and end its worker; at most once per slot (close() after a failed restart is fine). */
  private async endSlot(slot: Slot): Promise<void> {
    slot.ready = false;
    if (slot.released) return;
    slot.released = true;
    try {
      slot.remote[releaseProxy]();
    } catch {
      // Already released by comlink (the worker went away): nothing to do.
    }
    await slot.handle.terminate();
  }

  /** A task can never run when every worker is dead, or when the one it is pinned to is. */
  private unrunnable(workerIndex: number | undefined): boolean {
    if (this.slots.length === 0) return false;
    if (workerIndex !== undefined) return this.slots[workerIndex]?.dead === true;
    return this.slots.every((slot) => slot.dead);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Scheduling

  private enqueue<T>(name: string, args: unknown[], options: RunOptions, workerIndex: number | undefined) {
    if (this.closed) return Promise.reject(new Error(`worker pool: task "${name}" sent after close()`));
    if (this.unrunnable(workerIndex)) {
      return Promise.reject(
        new Error(
          `worker pool: no worker left for task "${name}": ${workerIndex === undefined ? 'every worker' : `worker ${workerIndex}`} ` +
            'failed to restart after crashing (see the earlier error); close this pool and create a new one',
        ),
      );
    }
    const transfer = options.transfer ?? [];
    const retry = options.retry ?? true;
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        id: this.nextTaskId++,
        name,
        args,
        transfer,
        backup: retry && transfer.length > 0 ? structuredClone(args) : undefined,
        retry,
        attempt: 1,
        workerIndex,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.pump();
    });
  }

  /** Hand queued tasks to idle workers, in queue order. */
  private pump(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot === undefined || !slot.ready || slot.busy) continue;
      const at = this.queue.findIndex(
        (task) => task.workerIndex === undefined || task.workerIndex === slot.index,
      );
      if (at < 0) continue;
      const [task] = this.queue.splice(at, 1);
      void this.execute(slot, task!);
    }
  }

  private async execute(slot: Slot, task: PendingTask): Promise<void> {
    slot.busy = true;
    slot.handle.ref();
    const args = task.transfer.length > 0 ? transferMarker(task.args, task.transfer) : task.args;
    try {
      const result = await Promise.race([slot.remote.call(task.name, args), slot.died]);
      this.stats.tasksPerWorker[slot.index]!++;
      slot.busy = false;
      slot.handle.unref();
      task.resolve(result);
      this.pump();
    } catch (cause) {
      if (this.closed) {
        task.reject(new Error(`worker pool: closed while task "${task.name}" (#${task.id}) ran`, { cause }));
        return;
      }
      const died = await isSettledRejected(slot.died);
      const error = cause instanceof Error ? cause : new Error(String(cause));
      const report: WorkerErrorReport = {
        workerIndex: slot.index,
        task: task.name,
        taskId: task.id,
        attempt: task.attempt,
        kind: died ? 'died' : 'threw',
        error,
      };
      this.failures.push(report);
      this.options.onWorkerError?.(report);
      this.replace(slot);
      const what = died ? 'killed its worker' : 'threw';
      if (task.retry && task.attempt === 1) {
        task.attempt = 2;
        if (task.backup !== undefined) task.args = task.backup;
        this.queue.unshift(task);
        this.pump();
      } else {
        task.reject(
          new Error(
            `worker pool: task "${task.name}" (#${task.id}) ${what} on worker ${slot.index}` +
              `${task.attempt > 1 ? ' again after a retry' : ''}: ${error.message}`,
            { cause: error },
          ),
        );
      }
    }
  }

  /** End a failed worker and start a fresh one in its slot; a replacement that can't start closes the slot. */
  private replace(slot: Slot): void {
    slot.ready = false;
    this.stats.restarts++;
    void this.endSlot(slot).catch(() => {});
    this.startSlot(slot.index).catch((error: unknown) => {
      // Without a worker in this slot, tasks pinned to it can never run: fail them now rather than hang.
      for (let i = this.queue.length - 1; i >= 0; i--) {
        const task = this.queue[i]!;
        if (this.unrunnable(task.workerIndex)) {
          this.queue.splice(i, 1);
          task.reject(new Error(`worker pool: no worker left for task "${task.name}": ${message(error)}`));
        }
      }
    });
  }
}

async function isSettledRejected(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  try {
    return (await Promise.race([promise, Promise.resolve(pending)])) !== pending;
  } catch {
    return true;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
