/**
 * Long loops in slices, one per animation frame, so that a lesson's training never blocks the page: each frame runs
 * `work()` until it returns false (done) or the slice's time budget is spent, then calls `draw(done)`.
 *
 * A short run can be paced instead: with `total` (calls in the run) and `durationMs`, each frame runs only as many
 * calls as keep the run on schedule, so the curves are seen growing for about `durationMs` whatever the frame rate
 * (a fixed number of calls a frame would take ten times longer on a machine that draws ten times slower).
 */
export interface FrameLoopOptions {
  /** Milliseconds of work per frame at most (default 8: half a 60 Hz frame). */
  budgetMs?: number;
  /** The number of `work()` calls in the whole run, for pacing. */
  total?: number;
  /** Spread the `total` calls over about this many milliseconds. */
  durationMs?: number;
}

/**
 * Start the loop; returns a function that stops it (idempotent).
 * @example
 * const stop = runInFrames(() => trainer.step(), (done) => setSnapshot(trainer.snapshot()), {
 *   total: 301,
 *   durationMs: 1500,
 * });
 */
export function runInFrames(
  work: () => boolean,
  draw: (done: boolean) => void,
  options: FrameLoopOptions = {},
): () => void {
  const budgetMs = options.budgetMs ?? 8;
  const paced = options.total !== undefined && options.durationMs !== undefined;
  let stopped = false;
  let handle = 0;
  let calls = 0;
  let began = -1;
  const due = (now: number) =>
    paced ? options.total! * Math.min(1, (now - began) / options.durationMs!) : Number.POSITIVE_INFINITY;
  const frame = () => {
    if (stopped) return;
    const started = performance.now();
    if (began < 0) began = started;
    let more = true;
    do {
      more = work();
      calls++;
    } while (more && calls < due(performance.now()) && performance.now() - started < budgetMs);
    draw(!more);
    if (more) handle = requestAnimationFrame(frame);
    else stopped = true;
  };
  handle = requestAnimationFrame(frame);
  return () => {
    stopped = true;
    cancelAnimationFrame(handle);
  };
}
