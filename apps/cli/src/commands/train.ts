/** nndl train / nndl resume. */
import { existsSync, readFileSync } from 'node:fs';
import { type ExperimentSpec, getPreset, parseSpec, type TrainerEvent } from '@nndl/engine';
import { resumeExperiment, runExperiment } from '@nndl/engine/node';
import { ConsoleSink } from '../console_sink.js';
import { intOption, numberOption, parse, UsageError } from '../usage.js';

const TRAIN_USAGE =
  'nndl train [preset | spec.json] [--epochs N] [--batch-size N] [--lr X] [--lambda X] [--seed N] ' +
  '[--backend cpu|webgl] [--workers N] [--data-dir DIR] [--out DIR] [--json]';

export const trainOptions = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  lambda: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  'data-dir': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** A preset name or a path to a spec JSON file. */
export function resolveSpec(target: string): ExperimentSpec {
  if (target.endsWith('.json') || existsSync(target)) {
    if (!existsSync(target)) throw new UsageError(`spec file ${target} does not exist`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(target, 'utf8'));
    } catch (e) {
      throw new UsageError(`${target} is not valid JSON: ${(e as Error).message}`);
    }
    return parseSpec(json, target);
  }
  try {
    return getPreset(target);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Apply command-line overrides to a spec (re-validated, so a bad value is reported like a bad spec field). */
export function applyOverrides(
  spec: ExperimentSpec,
  v: Record<string, string | boolean | undefined>,
): ExperimentSpec {
  const out = structuredClone(spec) as ExperimentSpec & Record<string, unknown>;
  const epochs = intOption(v.epochs, 'epochs', 1);
  if (epochs !== undefined) out.epochs = epochs;
  const batch = intOption(v['batch-size'], 'batch-size', 1);
  if (batch !== undefined) out.data.batchSize = batch;
  const lr = numberOption(v.lr, 'lr');
  if (lr !== undefined) out.optimizer.lr = lr;
  const lambda = numberOption(v.lambda, 'lambda');
  if (lambda !== undefined) out.lambda = lambda;
  const seed = intOption(v.seed, 'seed');
  if (seed !== undefined) out.seed = seed;
  if (v.backend !== undefined) {
    if (v.backend !== 'cpu' && v.backend !== 'webgl')
      throw new UsageError(`--backend must be cpu or webgl, got '${v.backend}'`);
    if (v.backend === 'webgl') {
      throw new UsageError(
        "--backend webgl needs a browser (WebGL2); in Node use --backend cpu, or train in the dashboard's playground",
      );
    }
    out.backend = v.backend;
  }
  const workers = intOption(v.workers, 'workers', 1);
  if (workers !== undefined) out.workers = workers;
  return parseSpec(out, 'spec with command-line overrides');
}

function sinkFor(json: boolean): (e: TrainerEvent) => void {
  if (json) return (e) => void process.stdout.write(`${JSON.stringify(e)}\n`);
  return new ConsoleSink().handle;
}

/** Stop cleanly on Ctrl-C: the current batch finishes, a checkpoint is written, `nndl resume` continues. */
function interruptible(): AbortController {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.error('\nstopping after this batch (a checkpoint will be written; continue with nndl resume)...');
    controller.abort();
  });
  return controller;
}

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, trainOptions, TRAIN_USAGE);
  if (values.help) {
    console.log(
      `usage: ${TRAIN_USAGE}\n\nTrains a preset (see nndl presets) or a spec file and records it under runs/.`,
    );
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError(
      `expected one preset or spec file, got ${positionals.join(' ')}\nusage: ${TRAIN_USAGE}`,
    );
  const spec = applyOverrides(resolveSpec(positionals[0] ?? 'quickstart'), values);
  const controller = interruptible();
  const { end } = await runExperiment(spec, {
    ...(values['data-dir'] ? { dataDir: String(values['data-dir']) } : {}),
    ...(values.out ? { runsDir: String(values.out) } : {}),
    onEvent: sinkFor(Boolean(values.json)),
    signal: controller.signal,
  });
  return exitCode(end.status);
}

/** 0 finished, 1 failed, 130 stopped by Ctrl-C (the shell's convention for SIGINT). */
function exitCode(status: 'finished' | 'stopped' | 'failed'): number {
  return status === 'failed' ? 1 : status === 'stopped' ? 130 : 0;
}

const RESUME_USAGE = 'nndl resume <run> [--data-dir DIR] [--out DIR] [--json]';

export async function resumeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { 'data-dir': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    `${RESUME_USAGE}\n(a resumed run keeps its own spec: options like --epochs or --lr cannot change it; start a new run instead)`,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one run id\nusage: ${RESUME_USAGE}`);
  const controller = interruptible();
  const { end } = await resumeExperiment(positionals[0]!, {
    ...(values['data-dir'] ? { dataDir: String(values['data-dir']) } : {}),
    ...(values.out ? { runsDir: String(values.out) } : {}),
    onEvent: sinkFor(Boolean(values.json)),
    signal: controller.signal,
  });
  return exitCode(end.status);
}
