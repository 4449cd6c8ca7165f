/**
 * The browser side of the platform adapter: Web Workers (module workers) and DecompressionStream.
 * Chosen by the default condition of the `#platform` import in package.json.
 */
import type { Endpoint } from 'comlink';
import type { Platform, SpawnOptions, WorkerHandle } from './types.js';

function spawnWorker(url: URL | string, options: SpawnOptions = {}): WorkerHandle {
  const worker = new Worker(url, { type: 'module', name: options.name });
  const listeners: ((reason: Error) => void)[] = [];
  let exited = false;
  const fire = (reason: Error) => {
    if (exited) return;
    exited = true;
    for (const listener of listeners) listener(reason);
  };
  // A Web Worker has no exit event: an uncaught error is the only sign of death we get, so treat it as one
  // (the pool terminates and replaces the worker).
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    fire(new Error(`worker died: ${event.message || 'uncaught error'}`));
  });
  return {
    endpoint: worker,
    onExit: (listener) => {
      listeners.push(listener);
    },
    ref: () => {},
    unref: () => {},
    terminate: async () => {
      worker.terminate();
      fire(new Error('worker terminated'));
    },
  };
}

const randomId = Math.floor(Math.random() * 2 ** 31);

export const platform: Platform = {
  name: 'browser',
  spawnWorker,
  parentEndpoint(): Endpoint {
    return globalThis as unknown as Endpoint;
  },
  async gunzip(bytes: Uint8Array): Promise<Uint8Array> {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  },
  threadId: () => randomId,
  hardwareConcurrency: () => globalThis.navigator?.hardwareConcurrency ?? 2,
};
