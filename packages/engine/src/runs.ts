/**
 * Reading runs without a file system (the dashboard's server and browser code, and the run store alike): parse an
 * events.jsonl text and derive a run's summary from its events.
 */
import type { RunEndEvent, TrainerEvent } from './events.js';
import type { ExperimentSpec } from './spec.js';

export interface RunSummary {
  runId: string;
  name: string;
  status: RunEndEvent['status'] | 'running';
  epochs: number;
  steps: number;
  bestEvaluationAccuracy: number | null;
  finalEvaluationAccuracy: number | null;
  seconds: number;
  reference?: ExperimentSpec['reference'];
  /** Why the run could not be read, when it could not. */
  error?: string;
}

/** Events of an events.jsonl text; malformed lines are skipped and counted (with their line numbers). */
export function parseEventsJsonl(text: string): {
  events: TrainerEvent[];
  skipped: number;
  skippedLines: number[];
} {
  const events: TrainerEvent[] = [];
  const skippedLines: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as TrainerEvent;
      if (
        event === null ||
        typeof event !== 'object' ||
        typeof (event as { type?: unknown }).type !== 'string'
      ) {
        throw new Error('not an event');
      }
      events.push(event);
    } catch {
      skippedLines.push(i + 1);
    }
  }
  return { events, skipped: skippedLines.length, skippedLines };
}

/** A run's summary from its events: the runEnd event when there is one, else what the epochs so far say. */
export function summarizeEvents(
  runId: string,
  spec: Pick<ExperimentSpec, 'name' | 'reference'>,
  events: readonly TrainerEvent[],
): RunSummary {
  let epochs = 0;
  let steps = 0;
  let best: number | null = null;
  let last: number | null = null;
  let firstTime: number | null = null;
  let seconds = 0;
  let end: RunEndEvent | null = null;
  for (const e of events) {
    if (e.type === 'runStart' && firstTime === null) firstTime = e.time;
    if (e.type === 'epochEnd') {
      epochs = e.epoch;
      steps = e.step;
      seconds += e.seconds;
      if (e.evaluationAccuracy !== undefined) {
        last = e.evaluationAccuracy;
        if (best === null || last > best) best = last;
      }
    }
    if (e.type === 'batchEnd') steps = Math.max(steps, e.step);
    if (e.type === 'runEnd') end = e;
  }
  return {
    runId,
    name: spec.name,
    status: end?.status ?? 'running',
    epochs: end?.epochs ?? epochs,
    steps: end?.steps ?? steps,
    bestEvaluationAccuracy: end?.bestEvaluationAccuracy ?? best,
    finalEvaluationAccuracy: end?.finalEvaluationAccuracy ?? last,
    seconds: end?.seconds ?? seconds,
    ...(spec.reference ? { reference: spec.reference } : {}),
  };
}
