/**
 * From a run's events to what the pages draw. Pure functions, shared by the server (run list) and the browser
 * (charts, live updates), and unit-tested without a browser.
 */
import type {
  BatchEndEvent,
  EpochEndEvent,
  ExperimentSpec,
  GradientStatsEvent,
  RunStartEvent,
  TrainerEvent,
} from '@nndl/engine';

export type RunStatus = 'running' | 'finished' | 'failed' | 'stopped' | 'interrupted';

export interface RunListEntry {
  runId: string;
  /** The preset or spec name. */
  name: string;
  description: string;
  status: RunStatus;
  /** Epochs trained so far, of `totalEpochs`. */
  epochs: number;
  totalEpochs: number | null;
  steps: number;
  bestAccuracy: number | null;
  /** The book's figure for this preset, when the spec carries one. */
  reference: { accuracy?: number; source?: string; note?: string } | null;
  evaluation: string | null;
  /** Seconds the run took (or has taken so far). */
  seconds: number;
  /** When it started, ms since the epoch. */
  started: number;
  malformed: number;
  error: string | null;
}

export interface MalformedLine {
  /** 1-based line number in events.jsonl. */
  line: number;
  /** The start of the line, for the notice. */
  text: string;
  reason: string;
}

/** A run without summary.json whose events have not changed for this long is shown as 'interrupted'. */
export const STALE_MS = 10 * 60 * 1000;

/** Is this parsed JSON a Trainer event (an object with a string `type`)? */
function isEvent(value: unknown): value is TrainerEvent {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/**
 * Parse events.jsonl text. Only complete lines (ending in a newline) are consumed, except that a final line that
 * parses is taken too; a line that is not JSON or not an event is skipped and reported.
 * `consumed` is the number of characters of `text` used: a live tail continues after them.
 */
export function parseEventLines(
  text: string,
  _offset = 0,
  firstLine = 1,
): { events: TrainerEvent[]; malformed: MalformedLine[]; consumed: number; lines: number } {
  const events: TrainerEvent[] = [];
  const malformed: MalformedLine[] = [];
  let start = 0;
  let line = firstLine;
  let consumed = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const complete = end >= 0;
    const raw = text.slice(start, complete ? end : text.length);
    if (raw.trim()) {
      let parsed: unknown;
      let ok = true;
      try {
        parsed = JSON.parse(raw);
      } catch (e) {
        ok = false;
        // An unterminated last line may still be being written: leave it for the next read.
        if (!complete) break;
        malformed.push({ line, text: raw.slice(0, 120), reason: (e as Error).message });
      }
      if (ok) {
        if (isEvent(parsed)) events.push(parsed);
        else if (complete) malformed.push({ line, text: raw.slice(0, 120), reason: 'not an event object' });
        else break;
      }
    }
    line++;
    start = complete ? end + 1 : text.length;
    consumed = start;
  }
  return { events, malformed, consumed, lines: line - firstLine };
}

/** The list entry of a run from its spec, events and (when finished) summary.json. */
export function summarize(
  runId: string,
  spec: ExperimentSpec | null,
  events: readonly TrainerEvent[],
  summary: Record<string, unknown> | null,
  times: { modified: number; now: number; created: number },
): RunListEntry {
  const start = events.find((e): e is RunStartEvent => e.type === 'runStart');
  const end = [...events].reverse().find((e) => e.type === 'runEnd');
  const error = [...events].reverse().find((e) => e.type === 'error');
  const epochEnds = events.filter((e): e is EpochEndEvent => e.type === 'epochEnd');
  const lastBatch = [...events].reverse().find((e): e is BatchEndEvent => e.type === 'batchEnd');
  let best: number | null = null;
  for (const e of epochEnds)
    if (e.evaluationAccuracy !== undefined && (best === null || e.evaluationAccuracy > best))
      best = e.evaluationAccuracy;
  const started = start?.time ?? times.created;
  let status: RunStatus = 'running';
  if (end && end.type === 'runEnd') status = end.status;
  else if (summary && typeof summary.status === 'string') status = summary.status as RunStatus;
  else if (times.now - times.modified > STALE_MS) status = 'interrupted';
  const fromSummary = (key: string) =>
    summary && typeof summary[key] === 'number' ? (summary[key] as number) : null;
  const seconds =
    end && end.type === 'runEnd'
      ? end.seconds
      : (fromSummary('seconds') ??
        (status === 'running' ? (times.now - started) / 1000 : (times.modified - started) / 1000));
  return {
    runId,
    name: spec?.name ?? (typeof summary?.name === 'string' ? summary.name : runId),
    description: spec?.description ?? '',
    status,
    epochs:
      end && end.type === 'runEnd' ? end.epochs : (epochEnds.at(-1)?.epoch ?? fromSummary('epochs') ?? 0),
    totalEpochs: spec?.epochs ?? null,
    steps: end && end.type === 'runEnd' ? end.steps : (lastBatch?.step ?? 0),
    bestAccuracy:
      best ??
      (end && end.type === 'runEnd' ? end.bestEvaluationAccuracy : null) ??
      fromSummary('bestEvaluationAccuracy'),
    reference: spec?.reference ?? null,
    evaluation: spec ? `${spec.data.dataset} ${spec.data.evaluation}` : null,
    seconds: Math.max(0, seconds),
    started,
    malformed: 0,
    error: error && error.type === 'error' ? error.message : null,
  };
}

// ---- series for the charts -----------------------------------------------------------------------------------------

export type Point = [x: number, y: number];

export interface RunSeries {
  layers: string[];
  loss: Point[];
  lr: Point[];
  /** Per epoch: the monitored costs and accuracies (network2.py's four flags). */
  trainingCost: Point[];
  evaluationCost: Point[];
  trainingAccuracy: Point[];
  evaluationAccuracy: Point[];
  /** Gradient probes in order: step, epoch and per-layer stats. */
  probes: GradientStatsEvent[];
  /** Global step at the end of each epoch, to draw epoch marks on step axes. */
  epochSteps: Point[];
  evaluationName: string;
}

export function emptySeries(spec: ExperimentSpec | null): RunSeries {
  return {
    layers: [],
    loss: [],
    lr: [],
    trainingCost: [],
    evaluationCost: [],
    trainingAccuracy: [],
    evaluationAccuracy: [],
    probes: [],
    epochSteps: [],
    evaluationName: spec?.data.evaluation ?? 'evaluation',
  };
}

/** Fold events into the series (mutates and returns `series`, so that live events append cheaply). */
export function addEvents(series: RunSeries, events: readonly TrainerEvent[]): RunSeries {
  for (const e of events) {
    switch (e.type) {
      case 'runStart':
        series.layers = [...e.layers];
        series.evaluationName = e.spec?.data?.evaluation ?? series.evaluationName;
        break;
      case 'batchEnd':
        if (Number.isFinite(e.loss)) series.loss.push([e.step, e.loss]);
        series.lr.push([e.step, e.lr]);
        break;
      case 'epochEnd':
        series.epochSteps.push([e.epoch, e.step]);
        if (e.trainingCost !== undefined) series.trainingCost.push([e.epoch, e.trainingCost]);
        if (e.evaluationCost !== undefined) series.evaluationCost.push([e.epoch, e.evaluationCost]);
        if (e.trainingAccuracy !== undefined) series.trainingAccuracy.push([e.epoch, e.trainingAccuracy]);
        if (e.evaluationAccuracy !== undefined)
          series.evaluationAccuracy.push([e.epoch, e.evaluationAccuracy]);
        if (series.lr.length === 0 || series.lr.at(-1)?.[0] !== e.step) series.lr.push([e.step, e.lr]);
        break;
      case 'gradientStats':
        series.probes.push(e);
        if (series.layers.length === 0) series.layers = e.layers.map((l) => l.layer);
        break;
      default:
        break;
    }
  }
  return series;
}

/** At most `max` points: the mean of each bucket of consecutive points (keeps long loss curves cheap to draw). */
export function downsample(points: readonly Point[], max: number): Point[] {
  if (points.length <= max) return points as Point[];
  const size = points.length / max;
  const out: Point[] = [];
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    let sx = 0;
    let sy = 0;
    for (let i = from; i < to; i++) {
      sx += points[i]![0];
      sy += points[i]![1];
    }
    const n = Math.max(1, to - from);
    out.push([sx / n, sy / n]);
  }
  return out;
}

/**
 * Readable layer names: probe names like 'layers.0' become 'layer 1 (hidden)' ... 'layer L (output)', as in
 * Nielsen's figure, where the output layer is not drawn.
 */
export function layerLabel(name: string, index: number, count: number): string {
  if (count <= 1) return name;
  return index === count - 1 ? `output (${name})` : `hidden ${index + 1} (${name})`;
}

/** The book's chapter-5 file that matches a preset (ch5-deep-2/3/4), or null. */
export function referenceFileFor(spec: ExperimentSpec | null): string | null {
  const m = spec?.name.match(/^ch5-deep-([234])$/);
  return m ? `norms_during_training_${m[1]}_layers.json` : null;
}
