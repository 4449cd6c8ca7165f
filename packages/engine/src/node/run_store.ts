/**
 * The run store: one folder per run under `runs/`, like a TensorBoard log dir.
 *
 *   runs/<runId>/spec.json              the validated spec
 *   runs/<runId>/events.jsonl           one TrainerEvent per line, appended and flushed as they happen
 *   runs/<runId>/checkpoints/*.safetensors   written atomically (temporary file + fsync + rename)
 *   runs/<runId>/summary.json           written at the end (status, epochs, accuracies, time)
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@nndl/nn/node';
import type { RunEndEvent, TrainerEvent } from '../events.js';
import { parseEventsJsonl, type RunSummary, summarizeEvents } from '../runs.js';
import { type ExperimentSpec, parseSpec } from '../spec.js';

/** Write a small text file atomically: a temporary file, fsync, rename. */
function writeTextAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

function emptySummary(runId: string): RunSummary {
  return {
    runId,
    name: runId,
    status: 'running',
    epochs: 0,
    steps: 0,
    bestEvaluationAccuracy: null,
    finalEvaluationAccuracy: null,
    seconds: 0,
  };
}

/** Run ids are folder names: letters, digits, '-', '_' and '.', never a path. */
export function validRunId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(id) && !id.includes('..');
}

export class RunStore {
  readonly root: string;

  constructor(root = process.env.NNDL_RUNS_DIR ?? 'runs') {
    this.root = resolve(root);
  }

  dir(runId: string): string {
    if (!validRunId(runId))
      throw new Error(`invalid run id '${runId}': use letters, digits, '-', '_' and '.'`);
    return join(this.root, runId);
  }

  /** Create the run's folder and write spec.json. */
  create(spec: ExperimentSpec, runId: string): RunWriter {
    const dir = this.dir(runId);
    if (existsSync(dir)) throw new Error(`run '${runId}' already exists in ${this.root}`);
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    writeTextAtomic(join(dir, 'spec.json'), `${JSON.stringify(spec, null, 2)}\n`);
    return new RunWriter(dir, runId, spec);
  }

  /** Reopen an existing run to append (resume). */
  open(runId: string): RunWriter {
    const dir = this.dir(runId);
    if (!existsSync(join(dir, 'spec.json')))
      throw new Error(`no run '${runId}' in ${this.root} (no spec.json there)`);
    const spec = parseSpec(JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')), join(dir, 'spec.json'));
    // The run is live again: its old summary would say 'stopped' while it trains.
    rmSync(join(dir, 'summary.json'), { force: true });
    return new RunWriter(dir, runId, spec);
  }

  /** Every run, newest first, with its summary (or 'running' when it has none yet). */
  list(): RunSummary[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((id) => validRunId(id) && existsSync(join(this.root, id, 'spec.json')))
      .map((id) => ({ id, time: statSync(join(this.root, id)).mtimeMs }))
      .sort((a, b) => b.time - a.time)
      .map(({ id }) => {
        try {
          return this.summary(id);
        } catch (e) {
          // One unreadable run must not hide the others.
          return {
            ...emptySummary(id),
            status: 'failed' as const,
            error: `unreadable: ${(e as Error).message}`,
          };
        }
      });
  }

  summary(runId: string): RunSummary {
    const dir = this.dir(runId);
    const path = join(dir, 'summary.json');
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as RunSummary;
    const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as ExperimentSpec;
    return summarizeEvents(runId, spec, this.events(runId).events);
  }

  /** The run's events, skipping malformed lines (counted in `skipped`). */
  events(runId: string): { events: TrainerEvent[]; skipped: number } {
    const path = join(this.dir(runId), 'events.jsonl');
    if (!existsSync(path)) return { events: [], skipped: 0 };
    const { events, skipped } = parseEventsJsonl(readFileSync(path, 'utf8'));
    return { events, skipped };
  }

  /** The newest checkpoint of a run, or null. */
  lastCheckpoint(runId: string): string | null {
    const dir = join(this.dir(runId), 'checkpoints');
    if (!existsSync(dir)) return null;
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors'))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t || b.f.localeCompare(a.f, 'en', { numeric: true }));
    return files[0] ? join(dir, files[0].f) : null;
  }
}

/** Writes one run's events, checkpoints and summary. */
export class RunWriter {
  readonly dir: string;
  readonly runId: string;
  readonly spec: ExperimentSpec;
  private fd: number | null = null;

  constructor(dir: string, runId: string, spec: ExperimentSpec) {
    this.dir = dir;
    this.runId = runId;
    this.spec = spec;
  }

  /** Append one event as a line; written through to the file at once (no buffering in the process). */
  write(event: TrainerEvent): void {
    if (this.fd === null) this.fd = openSync(join(this.dir, 'events.jsonl'), 'a');
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    if (event.type === 'runEnd') this.finish(event);
  }

  async saveCheckpoint(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(this.dir, 'checkpoints', `${name}.safetensors`);
    await writeFileAtomic(path, bytes);
    return path;
  }

  private finish(end: RunEndEvent): void {
    const summary: RunSummary = summarizeEvents(this.runId, this.spec, [end]);
    writeTextAtomic(join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    this.close();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
