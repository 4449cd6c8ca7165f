/**
 * The second core: one worker thread with its own instance of the threads build of the kernels (assembly/, built
 * with --sharedMemory), sharing the main thread's WebAssembly.Memory. The main thread splits a large kernel call in
 * two, posts the worker's half as a list of export calls in a shared Int32Array, runs its own half, and then either
 * waits for the worker or, if the worker has not claimed the job by then, takes it back and runs it itself (no
 * message per call: a dispatch costs a few microseconds).
 *
 * One protocol, two transports. In Node the worker is a `worker_threads` Worker, created synchronously and unref'd
 * (an idle pool never keeps Node from exiting); only Node's main thread splits kernels. In a browser it is a Web
 * Worker from a Blob URL (no file to serve, nothing for a bundler to do), started only where the page is
 * cross-origin isolated (`crossOriginIsolated`, which SharedArrayBuffer and shared wasm memory need); browsers split on
 * the main thread and in workers alike (the dashboard trains in one). Either way the worker runs the same source
 * (`SERVE`), and until it has instantiated its module (asynchronously: a few ms after the backend starts, and in a
 * browser only once the creating thread has yielded to its event loop), `ready()` is false and every call runs on one
 * thread.
 *
 * Waiting: where the calling thread ("main thread" below: Node's main thread, a browser page or worker) may block
 * (Node, browser workers), it waits for a claimed job as the worker waits for work: a short spin on Atomics.load, then
 * Atomics.wait. On a browser page's main thread Atomics.wait throws, so it spins on Atomics.load only. It never waits
 * for a job the worker has not started: a job is claimed with Atomics.compareExchange (posted -> claimed by the
 * worker, or posted -> idle by the main thread taking it back once its own half is done), so each job runs exactly
 * once, and the main thread spins only while the worker computes its half.
 *
 * A wasm trap in the worker's half is caught there and reported (the call throws, and the pool closes). A worker that
 * died outright in the middle of a claimed job (killed, out of memory) cannot say so: its 'exit' or 'error' event is
 * not delivered while the main thread waits. So the wait has a deadline, generous against a slow worker (at least
 * `deadAfterMs`, 10 s by default, and 50 times the main thread's own half): past it the call throws an error that
 * says what happened and the pool closes (later calls run on one thread).
 */

type Env = Record<string, string | undefined>;
const env = (globalThis as { process?: { env?: Env } }).process?.env;

/**
 * Kernel calls with at least this many multiply-adds split across two threads where the arena has a ready worker;
 * smaller ones run on one. Chosen by measurement (docs/benchmarks.md, "Two threads").
 */
export const THREADS_MIN_MACS = Number(env?.NNDL_CPU_THREADS_MIN_MACS ?? 1 << 21);

/** Exports the worker may be asked to call (indices into this list travel through the control block). */
const CALLABLE = [
  'sgemm',
  'setConvGeometry',
  'conv2dForward',
  'conv2dBackpropInput',
  'conv2dBackpropFilter',
  'outerSums',
  'rowDots',
  'setPoolGeometry',
  'maxPool2d',
  'avgPool2d',
  'maxPool2dGrad',
  'avgPool2dGrad',
  'sigmoidF32',
  'sigmoidGradF32',
] as const;
export type WorkerCall = readonly [(typeof CALLABLE)[number], ...number[]];

/** Control block (Int32 slots). */
const STATE = 0; // IDLE, POSTED, CLAIMED or DONE
const READY = 1; // 1 once the worker's instance is up
const ERROR = 2; // 1 when the last job threw
const CALLS = 3; // number of calls, then per call: export index, argument count, arguments
const SLOTS = 256;
const IDLE = 0;
const POSTED = 1;
const DONE = 2;
const CLAIMED = 3;
/**
 * Loads of the state word before sleeping in Atomics.wait (a few microseconds): waking a sleeping thread costs tens of
 * microseconds, so each side polls briefly first.
 */
const SPIN = Number(env?.NNDL_CPU_THREADS_SPIN ?? 50000);

/**
 * The worker's side, the same in Node and in browsers: instantiate the module over the shared memory, then run posted
 * jobs forever. Its argument is what the transport delivered: { module, memory, control, scratch, names }. The
 * compiled module is sent, not its bytes: V8 then shares its machine code between the threads, so the worker runs
 * the main thread's optimized code at once (compiled from the bytes, the worker's copy started in V8's baseline tier
 * and ran about half as fast for its first few hundred milliseconds of work: measured, two threads no faster than
 * one over the first 1024^3 products).
 */
const SERVE = `
function serve({ module, memory, control, scratch, names }) {
  const ctl = new Int32Array(control);
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  ex.setGemmScratch(scratch);
  Atomics.store(ctl, ${READY}, 1);
  for (;;) {
    let s = Atomics.load(ctl, ${STATE});
    for (let spin = 0; s !== ${POSTED} && spin < ${SPIN}; spin++) s = Atomics.load(ctl, ${STATE});
    while (s !== ${POSTED}) { Atomics.wait(ctl, ${STATE}, s); s = Atomics.load(ctl, ${STATE}); }
    // The main thread may have taken the job back (it finished its own half first): then it is not ours.
    if (Atomics.compareExchange(ctl, ${STATE}, ${POSTED}, ${CLAIMED}) !== ${POSTED}) continue;
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
    Atomics.store(ctl, ${STATE}, ${DONE});
    Atomics.notify(ctl, ${STATE});
  }
}
`;

const NODE_WORKER_SOURCE = `${SERVE}\nserve(require('node:worker_threads').workerData);\n`;

/** A classic worker script: the first message starts it (its 'started' reply lets the page revoke the Blob URL). */
const BROWSER_WORKER_SOURCE = `${SERVE}\nself.onmessage = (event) => { self.onmessage = null; self.postMessage('started'); serve(event.data); };\n`;

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

function isNode(): boolean {
  return (
    typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node ===
    'string'
  );
}

/**
 * Whether a worker can be started here: Node (worker_threads), or a cross-origin isolated browser page or worker with
 * Web Workers and Blob URLs. Shared memory and SIMD are checked by the loader (module.ts), cores by the pool.
 */
export function canStartWorker(): boolean {
  if (isNode()) return true;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return (
    g.crossOriginIsolated === true &&
    typeof Worker === 'function' &&
    typeof Blob === 'function' &&
    typeof URL?.createObjectURL === 'function'
  );
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
export function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The main instance's exports the pool calls when it takes a job back. */
type LocalExports = Record<string, unknown>;

export class WorkerPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private readonly local: LocalExports;
  private readonly blocking = canBlock();
  private worker: { terminate(): unknown } | null = null;
  private dead = false;
  /** Jobs the worker has run (for tests and diagnostics). */
  jobs = 0;
  /** Jobs posted to the worker that the main thread took back and ran itself (the worker had not started them). */
  reclaimed = 0;
  /**
   * Take back a posted job the worker has not claimed by the time the main thread's half is done (the default). Tests
   * turn it off to make the worker's part deterministic: the main thread then waits for the worker.
   */
  takeBack = true;

  /**
   * Start the worker (asynchronously) on `module`, the threads build. `scratch` is the byte address of its sgemm
   * scratch in `memory`; `local` is the exports of the main thread's instance over the same memory.
   */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number, local: object) {
    this.local = local as LocalExports;
    const start = { module, memory, control: this.control.buffer, scratch, names: CALLABLE };
    try {
      if (isNode()) this.startNode(start);
      else this.startBrowser(start);
    } catch {
      this.kill();
    }
  }

  private startNode(start: object): void {
    const begin = (wt: NodeWorkerThreads, os: NodeOs) => {
      const cores = os.availableParallelism?.() ?? os.cpus().length;
      // Only the main thread splits kernels: code that already runs in worker threads (data-parallel replicas, data
      // loader workers) has the cores busy, and a kernel thread per worker would oversubscribe them.
      if (cores < 2 || !wt.isMainThread) this.kill();
      if (this.dead) return;
      const worker = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: start });
      worker.unref();
      worker.on('error', () => this.kill());
      worker.on('exit', () => this.kill());
      this.worker = worker;
    };
    // Synchronously where Node has process.getBuiltinModule (>= 20.16): the worker then starts even while the
    // main thread runs a synchronous training loop.
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process
      ?.getBuiltinModule;
    if (getBuiltin) {
      begin(getBuiltin('node:worker_threads') as NodeWorkerThreads, getBuiltin('node:os') as NodeOs);
      return;
    }
    // Else asynchronously; a computed specifier keeps bundlers from resolving Node builtins into browser bundles.
    const specifiers = ['node:worker_threads', 'node:os'];
    Promise.all(specifiers.map((s) => import(/* webpackIgnore: true */ /* @vite-ignore */ s)))
      .then((modules) => {
        const [wt, os] = modules as [NodeWorkerThreads, NodeOs];
        begin(wt, os);
      })
      .catch(() => this.kill());
  }

  private startBrowser(start: object): void {
    if (!canStartWorker() || (globalThis.navigator?.hardwareConcurrency ?? 1) < 2) {
      this.kill();
      return;
    }
    const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
    let worker: Worker;
    try {
      worker = new Worker(url, { name: 'nndl-cpu-kernels' });
    } catch (error) {
      // E.g. a Content-Security-Policy without blob: in worker-src.
      URL.revokeObjectURL(url);
      throw error;
    }
    worker.onmessage = () => URL.revokeObjectURL(url);
    // Failing to load or instantiate (CSP without 'wasm-unsafe-eval', say) leaves the pool on one thread.
    worker.onerror = (event) => {
      event.preventDefault();
      URL.revokeObjectURL(url);
      this.kill();
    };
    worker.onmessageerror = () => this.kill();
    worker.postMessage(start);
    this.worker = worker;
  }

  /** True once the worker can take jobs. */
  ready(): boolean {
    return !this.dead && !this.paused && Atomics.load(this.control, READY) === 1;
  }

  /**
   * While paused, the pool reports not ready, so every call runs on the calling thread exactly as before the worker
   * came up (the same split structure, so the same bits): setCpuThreads(1).
   */
  paused = false;

  /** The least time to wait for the worker's half before presuming it dead (tests lower it). */
  deadAfterMs = 10_000;

  /**
   * Run `workerCalls` on the worker while `mainHalf` runs here; returns when both are done (if the worker has not
   * started its calls when `mainHalf` returns, they run here). Throws if the worker's half threw (a wasm trap), after
   * which the pool is closed.
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
    Atomics.store(ctl, STATE, POSTED);
    Atomics.notify(ctl, STATE);
    let settled: 'here' | 'worker' | 'dead' = 'worker';
    const start = performance.now();
    try {
      mainHalf();
    } finally {
      // Always settle the job before the arena is reused: take it back if the worker has not claimed it, else wait.
      settled = this.settle(start);
    }
    if (settled === 'dead') {
      throw new Error(
        `nndl CPU kernels: the kernel worker thread has not finished its half of a call after ` +
          `${((performance.now() - start) / 1000).toFixed(1)} s; it has probably died (killed, or out of memory). ` +
          'Kernel threads are off from now on; run the step again, or set NNDL_CPU_THREADS=1 to stay on one thread.',
      );
    }
    const ranHere = settled === 'here';
    if (ranHere) {
      this.reclaimed++;
      for (const [name, ...args] of workerCalls) (this.local[name] as (...args: number[]) => void)(...args);
      return;
    }
    this.jobs++;
    if (ctl[ERROR] === 1) {
      this.kill();
      throw new Error('WorkerPool: the worker thread failed');
    }
  }

  /**
   * After the main thread's half: take the job back if the worker has not claimed it ('here'), else wait for it
   * ('worker'), up to a deadline past which the worker is presumed dead and the pool closes ('dead').
   */
  private settle(start: number): 'here' | 'worker' | 'dead' {
    const ctl = this.control;
    if (this.takeBack && Atomics.compareExchange(ctl, STATE, POSTED, IDLE) === POSTED) return 'here';
    for (let spin = 0; spin < SPIN && Atomics.load(ctl, STATE) !== DONE; spin++);
    const deadline = start + Math.max(this.deadAfterMs, 50 * (performance.now() - start));
    let spins = 0;
    while (Atomics.load(ctl, STATE) !== DONE) {
      // A browser's main thread may not block: it spins while the worker computes its (claimed) half.
      if (this.blocking) Atomics.wait(ctl, STATE, CLAIMED, 100);
      else if (++spins % 4096 !== 0) continue;
      if (performance.now() > deadline) {
        this.kill();
        return 'dead';
      }
    }
    Atomics.store(ctl, STATE, IDLE);
    return 'worker';
  }

  /** Stop the worker; afterwards every call runs on one thread. */
  kill(): void {
    this.dead = true;
    Atomics.store(this.control, READY, 0);
    void this.worker?.terminate();
    this.worker = null;
  }
}
