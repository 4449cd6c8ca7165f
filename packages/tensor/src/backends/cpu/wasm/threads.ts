/**
 * The second core: one worker thread with its own instance of the threads build of the kernels (assembly/, built
 * with --sharedMemory), sharing the main thread's WebAssembly.Memory. The main thread splits a large kernel call in
 * two, posts the worker's half as a list of export calls in a shared Int32Array, runs its own half, and waits for
 * the worker with Atomics.wait (no message per call: a dispatch costs a few microseconds).
 *
 * Node only for now: the browser's main thread may not block in Atomics.wait, so there the backend stays
 * single-threaded (as it must anyway without cross-origin isolation). The worker is unref'd, so an idle pool never
 * keeps Node from exiting. Until the worker has instantiated its module (asynchronously, a few ms after the backend
 * starts), `ready()` is false and every call runs on one thread.
 *
 * A wasm trap in the worker's half is caught there and reported (the call throws, and the pool closes); a worker that
 * died outright in the middle of a job (killed, out of memory) would leave the main thread waiting, since its 'exit'
 * event cannot be delivered while the main thread blocks. Not handled.
 */

/**
 * Kernel calls with at least this many multiply-adds split across two threads where the arena has a ready worker;
 * smaller ones run on one. Chosen by measurement (docs/benchmarks.md, "Two threads").
 */
export const THREADS_MIN_MACS = Number(
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.NNDL_CPU_THREADS_MIN_MACS ?? 1 << 21,
);

/** Exports the worker may be asked to call (indices into this list travel through the control block). */
const CALLABLE = [
  'sgemm',
  'setConvGeometry',
  'conv2dForward',
  'conv2dBackpropInput',
  'conv2dBackpropFilter',
] as const;
export type WorkerCall = readonly [(typeof CALLABLE)[number], ...number[]];

/** Control block (Int32 slots). */
const STATE = 0; // 0 idle, 1 posted, 2 done
const READY = 1; // 1 once the worker's instance is up
const ERROR = 2; // 1 when the last job threw
const CALLS = 3; // number of calls, then per call: export index, argument count, arguments
const SLOTS = 256;
/**
 * Loads of the state word before sleeping in Atomics.wait (a few microseconds): waking a sleeping thread costs tens of
 * microseconds, so each side polls briefly first.
 */
const SPIN = Number(
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.NNDL_CPU_THREADS_SPIN ?? 50000,
);

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, control, scratch, names } = workerData;
const ctl = new Int32Array(control);
const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
ex.setGemmScratch(scratch);
Atomics.store(ctl, ${READY}, 1);
for (;;) {
  let s = Atomics.load(ctl, ${STATE});
  for (let spin = 0; s !== 1 && spin < ${SPIN}; spin++) s = Atomics.load(ctl, ${STATE});
  while (s !== 1) { Atomics.wait(ctl, ${STATE}, s); s = Atomics.load(ctl, ${STATE}); }
  try {
    let at = ${CALLS + 1};
    for (let c = ctl[${CALLS}]; c > 0; c--) {
      const fn = ex[names[ctl[at]]];
      const args = Array.from(ctl.subarray(at + 2, at + 2 + ctl[at + 1]));
      at += 2 + ctl[at + 1];
      fn(...args);
    }
    ctl[${ERROR}] = 0;
  } catch (e) {
    ctl[${ERROR}] = 1;
  }
  Atomics.store(ctl, ${STATE}, 2);
  Atomics.notify(ctl, ${STATE});
}
`;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: object) => NodeWorker;
  isMainThread: boolean;
}
interface NodeOs {
  availableParallelism?: () => number;
  cpus(): unknown[];
}

export class WorkerPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private worker: NodeWorker | null = null;
  private dead = false;
  /** Jobs the worker has run (for tests and diagnostics). */
  jobs = 0;

  /** Start the worker (asynchronously). `scratch` is the byte address of its sgemm scratch in `memory`. */
  constructor(bytes: Uint8Array, memory: WebAssembly.Memory, scratch: number) {
    const start = (wt: NodeWorkerThreads, os: NodeOs) => {
      const cores = os.availableParallelism?.() ?? os.cpus().length;
      // Only the main thread splits kernels: code that already runs in worker threads (data-parallel replicas, data
      // loader workers) has the cores busy, and a kernel thread per worker would oversubscribe them.
      if (cores < 2 || !wt.isMainThread) this.kill();
      if (this.dead) return;
      const worker = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { bytes, memory, control: this.control.buffer, scratch, names: CALLABLE },
      });
      worker.unref();
      worker.on('error', () => this.kill());
      worker.on('exit', () => this.kill());
      this.worker = worker;
    };
    try {
      // Synchronously where Node has process.getBuiltinModule (>= 20.16): the worker then starts even while the
      // main thread runs a synchronous training loop.
      const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } })
        .process?.getBuiltinModule;
      if (getBuiltin) {
        start(getBuiltin('node:worker_threads') as NodeWorkerThreads, getBuiltin('node:os') as NodeOs);
        return;
      }
    } catch {
      this.kill();
      return;
    }
    // Else asynchronously; a computed specifier keeps bundlers from resolving Node builtins into browser bundles.
    const specifiers = ['node:worker_threads', 'node:os'];
    Promise.all(specifiers.map((s) => import(/* webpackIgnore: true */ /* @vite-ignore */ s)))
      .then((modules) => {
        const [wt, os] = modules as [NodeWorkerThreads, NodeOs];
        start(wt, os);
      })
      .catch(() => this.kill());
  }

  /** True once the worker can take jobs. */
  ready(): boolean {
    return !this.dead && Atomics.load(this.control, READY) === 1;
  }

  /**
   * Run `workerCalls` on the worker while `mainHalf` runs here; returns when both are done. Throws if the worker's
   * half threw (a wasm trap), after which the pool is closed.
   */
  run(workerCalls: readonly WorkerCall[], mainHalf: () => void): void {
    const ctl = this.control;
    let at = CALLS + 1;
    for (const [name, ...args] of workerCalls) {
      if (at + 2 + args.length > SLOTS) throw new Error('WorkerPool: too many arguments');
      ctl[at] = CALLABLE.indexOf(name);
      ctl[at + 1] = args.length;
      for (let i = 0; i < args.length; i++) ctl[at + 2 + i] = args[i]!;
      at += 2 + args.length;
    }
    ctl[CALLS] = workerCalls.length;
    Atomics.store(ctl, STATE, 1);
    Atomics.notify(ctl, STATE);
    try {
      mainHalf();
    } finally {
      // Always wait for the worker before the arena is reused.
      for (let spin = 0; spin < SPIN && Atomics.load(ctl, STATE) !== 2; spin++);
      while (Atomics.load(ctl, STATE) !== 2) Atomics.wait(ctl, STATE, 1, 1000);
      Atomics.store(ctl, STATE, 0);
    }
    this.jobs++;
    if (ctl[ERROR] === 1) {
      this.kill();
      throw new Error('WorkerPool: the worker thread failed');
    }
  }

  /** Stop the worker; afterwards every call runs on one thread. */
  kill(): void {
    this.dead = true;
    Atomics.store(this.control, READY, 0);
    void this.worker?.terminate();
    this.worker = null;
  }
}
