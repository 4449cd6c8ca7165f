import type { Endpoint } from 'comlink';

/** One worker as the pool sees it, on any platform. */
export interface WorkerHandle {
  /** The comlink endpoint to talk to the worker. */
  readonly endpoint: Endpoint;
  /** Called once when the worker dies (uncaught error, exit, terminate) with the reason. */
  onExit(listener: (reason: Error) => void): void;
  /** Keep the process alive while the worker has work (Node only; a no-op in the browser). */
  ref(): void;
  /** Let the process exit while the worker idles (Node only; a no-op in the browser). */
  unref(): void;
  terminate(): Promise<void>;
}

export interface SpawnOptions {
  /** A name for debugging (shows in Node's inspector and the browser's devtools). */
  name?: string;
}

/** What differs between Node and the browser; chosen by the `#platform` import condition. */
export interface Platform {
  readonly name: 'node' | 'browser';
  /** Start a worker running the ES module at `url`. */
  spawnWorker(url: URL | string, options?: SpawnOptions): WorkerHandle;
  /** The endpoint of the current worker's parent (inside a worker), for comlink's `expose`. */
  parentEndpoint(): Endpoint;
  /** Undo gzip (zlib in Node, DecompressionStream in the browser). */
  gunzip(bytes: Uint8Array): Promise<Uint8Array>;
  /** A number that tells workers apart (Node's threadId; a random id in a Web Worker). */
  threadId(): number;
  /** Number of logical cores. */
  hardwareConcurrency(): number;
}
