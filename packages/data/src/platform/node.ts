/**
 * The Node side of the platform adapter: worker_threads through comlink's Node adapter, zlib for gzip.
 * Chosen by the `node` condition of the `#platform` import in package.json, so browser bundles never see it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, threadId, Worker } from 'node:worker_threads';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { Endpoint } from 'comlink';
// comlink's Node adapter has no .d.mts beside it, and an ambient declaration wouldn't reach packages that typecheck
// this source; so it is imported untyped and typed right below.
// @ts-expect-error TS7016: no declaration file for the .mjs
import nodeEndpointUntyped from 'comlink/dist/esm/node-adapter.mjs';
import type { Platform, SpawnOptions, WorkerHandle } from './types.js';

/** What comlink's nodeEndpoint needs of a Worker or a MessagePort. */
interface NodeEndpoint {
  postMessage(message: unknown, transfer?: unknown[]): void;
  on(type: string, listener: (...args: unknown[]) => void): void;
  off(type: string, listener: (...args: unknown[]) => void): void;
}
const nodeEndpoint = nodeEndpointUntyped as (endpoint: NodeEndpoint) => Endpoint;

let tsxApi: string | undefined;

/**
 * worker_threads can't load TypeScript, and Node 20 ignores `--import tsx` in a worker's execArgv. So a .ts
 * worker module (running from source under vitest or tsx) starts from a two-line bootstrap that registers tsx's
 * ESM API inside the worker and then imports the module, with the `source` condition so that workspace packages
 * resolve to their sources as in the parent. Built code (.js) starts plainly.
 */
function startWorker(url: URL, name: string | undefined): Worker {
  if (!/\.[cm]?ts$/.test(url.pathname)) return new Worker(url, { name });
  if (tsxApi === undefined) {
    try {
      tsxApi = pathToFileURL(
        join(dirname(createRequire(import.meta.url).resolve('tsx')), 'esm/api/index.mjs'),
      ).href;
    } catch (cause) {
      throw new Error(
        `worker pool: ${url.href} is TypeScript, which worker_threads can't load; install tsx (a dev dependency ` +
          'of @nndl/data) or build the package and use the .js worker',
        { cause },
      );
    }
  }
  const bootstrap =
    "const { workerData } = require('node:worker_threads');" +
    'import(workerData.tsxApi).then((api) => { api.register(); return import(workerData.url); });';
  return new Worker(bootstrap, {
    eval: true,
    name,
    workerData: { tsxApi, url: url.href },
    execArgv: ['--conditions=source'],
  });
}

function spawnWorker(url: URL | string, options: SpawnOptions = {}): WorkerHandle {
  const worker = startWorker(new URL(url.toString()), options.name);
  const listeners: ((reason: Error) => void)[] = [];
  let exited = false;
  let lastError: Error | undefined;
  const fire = (reason: Error) => {
    if (exited) return;
    exited = true;
    for (const listener of listeners) listener(reason);
  };
  worker.on('error', (error) => {
    lastError = error instanceof Error ? error : new Error(String(error));
  });
  worker.on('exit', (code) => {
    fire(
      lastError !== undefined
        ? new Error(`worker died: ${lastError.message}`, { cause: lastError })
        : new Error(`worker exited with code ${code}`),
    );
  });
  return {
    endpoint: nodeEndpoint(worker as unknown as NodeEndpoint),
    onExit: (listener) => {
      listeners.push(listener);
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

export const platform: Platform = {
  name: 'node',
  spawnWorker,
  parentEndpoint(): Endpoint {
    if (parentPort === null) throw new Error('parentEndpoint: not running inside a worker thread');
    return nodeEndpoint(parentPort as unknown as NodeEndpoint);
  },
  gunzip(bytes: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      gunzipCallback(bytes, (error, result) => {
        if (error) reject(error);
        else resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
      });
    });
  },
  threadId: () => threadId,
  hardwareConcurrency: () => availableParallelism(),
};
