/**
 * The Trainer's typed events. The Trainer never prints: sinks (the console, the run store, a worker's postMessage)
 * consume these. Every event is plain JSON, so events.jsonl is just one event per line.
 */
import type { ExperimentSpec } from './spec.js';

export interface RunStartEvent {
  type: 'runStart';
  runId: string;
  spec: ExperimentSpec;
  /** Layer names in forward order, as the gradient probes report them. */
  layers: string[];
  parameterCount: number;
  trainSize: number;
  evaluationSize: number;
  /** Epoch and step this run starts from (non-zero when resumed). */
  startEpoch: number;
  startStep: number;
  time: number;
}

export interface BatchEndEvent {
  type: 'batchEnd';
  epoch: number;
  /** 1-based batch index within the epoch. */
  batch: number;
  batches: number;
  /** Global optimizer step count. */
  step: number;
  loss: number;
  /** Wall time of this step (data + forward + backward + update), ms. */
  ms: number;
  lr: number;
}

export interface EpochMetrics {
  trainingCost?: number;
  trainingAccuracy?: number;
  evaluationCost?: number;
  evaluationAccuracy?: number;
}

export interface EpochEndEvent extends EpochMetrics {
  type: 'epochEnd';
  epoch: number;
  epochs: number;
  step: number;
  lr: number;
  /** Seconds spent training this epoch (evaluation excluded). */
  seconds: number;
  /** Samples per second while training. */
  throughput: number;
}

export interface LayerGradientStats {
  /** Layer name, e.g. 'layers.0' or 'hidden 1'. */
  layer: string;
  weightNorm: number;
  weightGradNorm: number;
  biasGradNorm: number;
  /** Nielsen's speed of learning: || dC/db || of the layer, averaged over the probe set (chapter 5). */
  speed: number;
  weightHistogram?: Histogram;
  gradHistogram?: Histogram;
}

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

export interface GradientStatsEvent {
  type: 'gradientStats';
  epoch: number;
  step: number;
  layers: LayerGradientStats[];
}

export interface CheckpointEvent {
  type: 'checkpoint';
  epoch: number;
  step: number;
  path: string;
}

export interface EarlyStopEvent {
  type: 'earlyStop';
  epoch: number;
  reason: string;
}

export interface RunEndEvent {
  type: 'runEnd';
  status: 'finished' | 'stopped' | 'failed';
  epochs: number;
  steps: number;
  bestEvaluationAccuracy: number | null;
  finalEvaluationAccuracy: number | null;
  seconds: number;
  time: number;
}

/** The plurality vote of an ensemble's networks on the evaluation set (chapter 6). */
export interface EnsembleEvent {
  type: 'ensemble';
  /** Each member's evaluation accuracy, and the run ids where they are recorded. */
  members: { runId: string; accuracy: number | null }[];
  accuracy: number;
}

export interface ErrorEvent {
  type: 'error';
  message: string;
  step?: number;
  layer?: string;
}

export type TrainerEvent =
  | RunStartEvent
  | BatchEndEvent
  | EpochEndEvent
  | GradientStatsEvent
  | CheckpointEvent
  | EarlyStopEvent
  | RunEndEvent
  | EnsembleEvent
  | ErrorEvent;

export type EventListener = (event: TrainerEvent) => void | Promise<void>;
