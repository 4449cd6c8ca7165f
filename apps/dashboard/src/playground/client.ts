/** Starting the training worker from the page (a module Web Worker, bundled by Next's webpack). */
import { type Remote, wrap } from 'comlink';
import type { WorkerApi } from './protocol';

export interface TrainingWorker {
  api: Remote<WorkerApi>;
  terminate(): void;
}

export function startTrainingWorker(): TrainingWorker {
  const worker = new Worker(new URL('./train.worker.ts', import.meta.url), {
    type: 'module',
    name: 'nndl-train',
  });
  return { api: wrap<WorkerApi>(worker), terminate: () => worker.terminate() };
}
