/**
 * Timing: warm up, calibrate the number of iterations per repeat, time several repeats and keep the median, so that
 * one slow repeat (a GC, the other core busy) does not move the figure.
 */

/** One measured iteration: runs the operation once and returns when its result is computed. */
export type Step = () => void;

/** Milliseconds from some origin: wall-clock time, or this process's CPU time (user + system). */
export type Clock = () => number;

/** Wall-clock time: what a user waits. */
export const wallClock: Clock = () => performance.now();

/**
 * CPU time of this process: on a machine shared with other jobs it leaves out the time the benchmark was not
 * scheduled. Only fair for single-threaded work (every runner here is), since it sums all threads.
 */
export const cpuClock: Clock = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface TimingOptions {
  /** What a repeat is timed with (see wallClock, cpuClock). */
  clock: Clock;
  /** Warm-up time before calibration (lets the JIT compile the hot paths). */
  warmupMs: number;
  /** Each repeat runs enough iterations to take at least this long. */
  repeatMs: number;
  /** Number of timed repeats; the median is reported. */
  repeats: number;
}

export const DEFAULT_TIMING: TimingOptions = { clock: wallClock, warmupMs: 300, repeatMs: 250, repeats: 7 };
export const QUICK_TIMING: TimingOptions = { clock: wallClock, warmupMs: 60, repeatMs: 60, repeats: 3 };

export interface Timing {
  /** Median milliseconds per iteration over the repeats. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  iterationsPerRepeat: number;
  repeats: number;
}

/** Time `step`: median per-iteration milliseconds over `repeats` repeats of a calibrated number of iterations. */
export function measure(step: Step, options: TimingOptions = DEFAULT_TIMING): Timing {
  const now = options.clock;
  // Warm-up: at least two calls (the first one often compiles), then until warmupMs has passed.
  let start = now();
  let calls = 0;
  while (calls < 2 || now() - start < options.warmupMs) {
    step();
    calls++;
  }
  // Calibrate from a timed single call, so that a slow case (a 1024^3 product on a slow peer) is not run many times.
  start = now();
  step();
  const once = Math.max(now() - start, 1e-4);
  const iterations = Math.max(1, Math.ceil(options.repeatMs / once));
  // Slow cases (seconds per call) get fewer repeats: three still give a median.
  const repeats = once > 1000 ? Math.min(3, options.repeats) : options.repeats;
  const perIteration: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = now();
    for (let i = 0; i < iterations; i++) step();
    perIteration.push((now() - t0) / iterations);
  }
  perIteration.sort((a, b) => a - b);
  return {
    medianMs: perIteration[Math.floor(perIteration.length / 2)]!,
    minMs: perIteration[0]!,
    maxMs: perIteration[perIteration.length - 1]!,
    iterationsPerRepeat: iterations,
    repeats,
  };
}
