/**
 * Data-parallel training on one machine: `workers: N` runs N replicas, the main thread and N - 1 worker threads of a
 * comlink WorkerPool. Each computes the gradient of its share of every mini-batch; the shares are weighted by their
 * size, so their sum is exactly the full batch's gradient (up to float summation order), and one optimizer step is
 * applied. Parameters live in a SharedArrayBuffer that every replica reads; gradients come back through a second one.
 */
import { WorkerPool } from '@nndl/data';
import { setCpuThreads, type Tensor, type TypedArray } from '@nndl/tensor';
import type { BuiltModel } from '../model.js';
import type { ExperimentSpec } from '../spec.js';
import type { ParallelGradient } from '../trainer.js';
import { attachShared, parameterCount } from './shared_params.js';

function rows(t: Tensor, start: number, end: number): { values: TypedArray; shape: number[] } {
  const width = t.numel() / (t.shape[0] ?? 1);
  const all = t.dataSync();
  return { values: all.slice(start * width, end * width), shape: [end - start, ...t.shape.slice(1)] };
}

let pausedBy = 0;
let pausedFrom: 1 | 'auto' = 'auto';

function pauseKernelThreads(): void {
  if (pausedBy++ === 0) pausedFrom = setCpuThreads(1);
}

function resumeKernelThreads(): void {
  if (--pausedBy === 0) setCpuThreads(pausedFrom);
}

export async function createDataParallel(
  spec: ExperimentSpec,
  built: BuiltModel,
  replicas: number,
): Promise<ParallelGradient> {
  const params = built.module.parameters();
  const size = parameterCount(params);
  const shared = new SharedArrayBuffer(size * 4);
  attachShared(params, shared, true);
  const grads = new SharedArrayBuffer(size * 4 * (replicas - 1));
  const slots = Array.from({ length: replicas - 1 }, (_, i) => new Float32Array(grads, i * size * 4, size));
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  let crashed: string | null = null;
  // The main thread is one of the replicas: its kernels stay on one thread, so that N replicas use N cores (a kernel
  // worker on top would oversubscribe them; replicas in worker threads never start one). Counted, so that runs that
  // overlap restore the setting only when the last one closes.
  pauseKernelThreads();
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.create({
      module: new URL(`./replica_worker${ext}`, import.meta.url),
      size: replicas - 1,
      name: 'nndl-replica',
      setup: { task: 'init', args: [JSON.stringify(spec), shared, grads] },
      onWorkerError: (r) => {
        crashed = `replica ${r.workerIndex + 1} ${r.kind === 'died' ? 'died' : 'threw'} in ${r.task} (attempt ${r.attempt}): ${r.error.message}`;
      },
    });
  } catch (error) {
    resumeKernelThreads();
    throw error;
  }
  let closed = false;
  return {
    replicas,
    async step(x: Tensor, y: Tensor): Promise<number> {
      const m = x.shape[0]!;
      // Contiguous shares, sizes differing by at most one; the main thread takes the first.
      const bounds = Array.from({ length: replicas + 1 }, (_, i) => Math.round((i * m) / replicas));
      const tasks: Promise<number>[] = [];
      for (let r = 1; r < replicas; r++) {
        const [start, end] = [bounds[r]!, bounds[r + 1]!];
        if (end <= start) {
          slots[r - 1]!.fill(0);
          continue;
        }
        const xs = rows(x, start, end);
        const ys = rows(y, start, end);
        tasks.push(
          pool
            .runOn<number>(
              r - 1,
              'grad',
              [r - 1, xs.values, xs.shape, ys.values, ys.shape, (end - start) / m],
              {
                transfer: [xs.values.buffer, ys.values.buffer],
              },
            )
            .then((v) => (v * (end - start)) / m),
        );
      }
      // The main thread's share, computed while the workers run.
      let total = 0;
      const end0 = bounds[1]!;
      if (end0 > 0) {
        const x0 = x.narrow(0, 0, end0);
        const y0 = y.narrow(0, 0, end0);
        const loss = built.loss(built.forward(x0), y0);
        total += (loss.item() * end0) / m;
        loss.mul(end0 / m).backward();
      }
      let values: number[];
      try {
        values = await Promise.all(tasks);
      } catch (e) {
        throw new Error(
          `data-parallel training failed: ${crashed ?? (e as Error).message}. The run stops here; its last checkpoint ` +
            'is intact (resume it with nndl resume, or train with --workers 1).',
        );
      }
      for (const v of values) total += v;
      // Sum the replicas' gradients into the main thread's .grad.
      let offset = 0;
      for (const p of params) {
        const n = p.numel();
        if (!p.grad) p.grad = p.detach().mul(0);
        const g = p.grad.dataSync() as Float32Array;
        for (const slot of slots) {
          for (let i = 0; i < n; i++) g[i]! += slot[offset + i]!;
        }
        offset += n;
      }
      return total;
    },
    tasksPerWorker: () => pool.stats.tasksPerWorker.slice(),
    close: async () => {
      if (!closed) {
        closed = true;
        resumeKernelThreads();
      }
      await pool.close();
    },
  };
}
