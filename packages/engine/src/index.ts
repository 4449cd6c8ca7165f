/**
 * @nndl/engine: experiment specs and the books' presets, the Trainer (typed events, never prints), gradient probes.
 * Node-only parts (data from files, the run store, resume) are in `@nndl/engine/node`.
 */
export { type DataSource, linearData } from './data_source.js';
export type * from './events.js';
export { type BuiltModel, buildModel } from './model.js';
export { getPreset, presets } from './presets.js';
export { gradientStats, histogram, type ProbeLayer, probeLayers } from './probes.js';
export { parseEventsJsonl, type RunSummary, summarizeEvents } from './runs.js';
export {
  type DataSpec,
  ExperimentSpec,
  type ExperimentSpecInput,
  type LayerSpec,
  type ModelSpec,
  type OptimizerSpec,
  parseSpec,
  type ScheduleSpec,
  SpecError,
  specJsonSchema,
} from './spec.js';
export { batchOf, Trainer, type TrainerOptions, TrainingError } from './trainer.js';
