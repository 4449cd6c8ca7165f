/**
 * Reading the run store (runs/<runId>/{spec.json, events.jsonl, checkpoints/*.safetensors, summary.json}) for the
 * dashboard's pages and API routes. Every path is built from a validated run id and checked to stay inside the
 * store after symlinks are resolved: no route can read a file outside it.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { ExperimentSpec, TrainerEvent } from '@nndl/engine';
import { type MalformedLine, parseEventLines, type RunListEntry, summarize } from '../runs/derive';

/** A request the store refuses: 400 for a malformed id or name, 404 for one that names nothing. */
export class RunStoreError extends Error {
  readonly status: 400 | 404;
  constructor(status: 400 | 404, message: string) {
    super(message);
    this.name = 'RunStoreError';
    this.status = status;
  }
}

/** The repository root: the nearest folder above the working directory with a pnpm-workspace.yaml. */
function repositoryRoot(): string {
  let dir = process.cwd();
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** The run store's folder: $NNDL_RUNS_DIR, else runs/ at the repository root. */
export function runsRoot(): string {
  return resolve(process.env.NNDL_RUNS_DIR ?? join(repositoryRoot(), 'runs'));
}

/** Run ids are folder names, as the engine writes them: letters, digits, '-', '_' and '.', never '..'. */
export function validRunId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(id) && !id.includes('..');
}

/** `child` resolved through symlinks lies strictly inside `root` (also resolved). */
function inside(root: string, child: string): boolean {
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(child);
    return real.startsWith(realRoot + sep);
  } catch {
    return false;
  }
}

/** The folder of an existing run; throws RunStoreError (400 bad id, 404 no such run). */
export function runDir(id: string): string {
  if (!validRunId(id)) throw new RunStoreError(400, 'invalid run id');
  const root = runsRoot();
  const dir = join(root, id);
  if (dirname(dir) !== root || !existsSync(join(dir, 'spec.json')) || !inside(root, dir)) {
    throw new RunStoreError(404, 'no such run');
  }
  return dir;
}

/** A file of a run, checked to be inside the run store (null when it does not exist). */
function runFile(id: string, ...parts: string[]): string | null {
  const dir = runDir(id);
  const path = join(dir, ...parts);
  if (!existsSync(path)) return null;
  if (!inside(runsRoot(), path)) throw new RunStoreError(404, 'no such file');
  return path;
}

function readJson<T>(path: string | null): T | null {
  if (!path) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

export interface RunData {
  runId: string;
  spec: ExperimentSpec | null;
  events: TrainerEvent[];
  malformed: MalformedLine[];
  /** Bytes of events.jsonl read (complete lines only): where a live tail continues. */
  offset: number;
  entry: RunListEntry;
}

// Summaries of runs without summary.json are derived from their events; cached by file size and mtime.
const cache = new Map<string, { key: string; entry: RunListEntry }>();

/** One run's spec, events (malformed lines skipped and reported) and list entry. */
export function readRun(id: string): RunData {
  const dir = runDir(id);
  const spec = readJson<ExperimentSpec>(runFile(id, 'spec.json'));
  const eventsPath = runFile(id, 'events.jsonl');
  const text = eventsPath ? readFileSync(eventsPath, 'utf8') : '';
  const { events, malformed, consumed } = parseEventLines(text, 0, 1);
  const summary = readJson<Record<string, unknown>>(runFile(id, 'summary.json'));
  const modified = eventsPath ? statSync(eventsPath).mtimeMs : statSync(dir).mtimeMs;
  const entry = summarize(id, spec, events, summary, { modified, now: Date.now(), created: birth(dir) });
  entry.malformed = malformed.length;
  return { runId: id, spec, events, malformed, offset: Buffer.byteLength(text.slice(0, consumed)), entry };
}

function birth(dir: string): number {
  const s = statSync(dir);
  return s.birthtimeMs > 0 ? s.birthtimeMs : s.mtimeMs;
}

/** Every run of the store, newest first. */
export function listRuns(): RunListEntry[] {
  const root = runsRoot();
  if (!existsSync(root)) return [];
  const entries: RunListEntry[] = [];
  for (const id of readdirSync(root)) {
    if (!validRunId(id)) continue;
    try {
      const dir = runDir(id);
      const eventsPath = join(dir, 'events.jsonl');
      const summaryPath = join(dir, 'summary.json');
      const modified = existsSync(eventsPath) ? statSync(eventsPath).mtimeMs : statSync(dir).mtimeMs;
      const key = `${modified}:${existsSync(eventsPath) ? statSync(eventsPath).size : 0}:${existsSync(summaryPath)}`;
      const hit = cache.get(id);
      // A running run's duration and staleness move with the clock, so only finished runs are cached outright.
      if (hit && hit.key === key && hit.entry.status !== 'running') {
        entries.push(hit.entry);
        continue;
      }
      const { entry } = readRun(id);
      cache.set(id, { key, entry });
      entries.push(entry);
    } catch {
      // A folder that is not a run (no spec.json) or vanished meanwhile: not listed.
    }
  }
  return entries.sort((a, b) => b.started - a.started || b.runId.localeCompare(a.runId));
}

/** Bytes of events.jsonl from `offset` on (for the live tail), or null when the file does not exist yet. */
export function readEventsFrom(id: string, offset: number): { text: string; size: number } | null {
  const path = runFile(id, 'events.jsonl');
  if (!path) return null;
  const buffer = readFileSync(path);
  if (offset > buffer.length) offset = 0; // the file was replaced: start over
  return { text: buffer.subarray(offset).toString('utf8'), size: buffer.length };
}

/** A checkpoint's bytes: `name` (validated) or the newest one. */
export function readCheckpoint(id: string, name?: string | null): { name: string; bytes: Buffer } {
  const dir = runFile(id, 'checkpoints');
  if (!dir) throw new RunStoreError(404, 'this run has no checkpoints');
  let file: string | undefined;
  if (name) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.safetensors$/.test(name) || name.includes('..'))
      throw new RunStoreError(400, 'invalid checkpoint name');
    file = name;
  } else {
    file = readdirSync(dir)
      .filter((f) => /^[A-Za-z0-9][A-Za-z0-9._-]*\.safetensors$/.test(f))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t || b.f.localeCompare(a.f, 'en', { numeric: true }))[0]?.f;
  }
  const path = file ? runFile(id, 'checkpoints', file) : null;
  if (!path || !file) throw new RunStoreError(404, 'no such checkpoint');
  return { name: file, bytes: readFileSync(path) };
}
