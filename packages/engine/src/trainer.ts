/**
 * The Trainer: runs an experiment spec and emits typed events; it never prints. One training loop for every model,
 * dataset and optimizer of the spec; checkpoints go through a callback (the run store writes them atomically), so the
 * same Trainer runs in Node, in a browser worker, and in tests.
 */
import { DataLoader, type Dataset, defaultCollate } from '@nndl/data';
import { loadCheckpoint, optim, saveCheckpoint } from '@nndl/nn';
import {
  defaultGenerator,
  Generator,
  manualSeed,
  noGrad,
  setDefaultBackend,
  type Tensor,
  tidy,
} from '@nndl/tensor';
import type { DataSource } from './data_source.js';
import type { EpochEndEvent, EventListener, RunEndEvent, TrainerEvent } from './events.js';
import { type BuiltModel, buildModel } from './model.js';
import { gradientStats, type ProbeLayer, probeLayers } from './probes.js';
import type { ExperimentSpec } from './spec.js';

/** Computes a mini-batch's gradient on several replicas (see engine/node's createDataParallel). */
export interface ParallelGradient {
  readonly replicas: number;
  /** Fill every parameter's .grad with the gradient of the batch's mean cost; returns that cost. */
  step(x: Tensor, y: Tensor): Promise<number>;
  /** Tasks each worker thread has run (the main thread's share is not counted). */
  tasksPerWorker(): number[];
  close(): Promise<void>;
}

export interface TrainerOptions {
  /** Starts data-parallel replicas when spec.workers > 1 (Node: createDataParallel from @nndl/engine/node). */
  parallel?: (spec: ExperimentSpec, built: BuiltModel, replicas: number) => Promise<ParallelGradient>;
  data: DataSource;
  runId?: string;
  /** Persist checkpoint bytes under a name; returns where they went (for the event). No checkpoints if absent. */
  saveCheckpoint?: (name: string, bytes: Uint8Array) => Promise<string>;
  /** Continue from these checkpoint bytes (written by this Trainer). */
  resumeFrom?: Uint8Array;
  /** Stops the run after the current batch; the run ends with status 'stopped' and a checkpoint. */
  signal?: AbortSignal;
  /** Emit batchEnd every N steps (default 1). */
  batchEventEvery?: number;
}

/** A run that failed: a NaN loss, a crashed worker. The message says which step and layer. */
export class TrainingError extends Error {
  readonly step: number;
  readonly layer: string | undefined;
  constructor(message: string, step: number, layer?: string) {
    super(message);
    this.name = 'TrainingError';
    this.step = step;
    this.layer = layer;
  }
}

interface Scheduler {
  step(metric?: number): unknown;
  done?: boolean;
}

interface Progress {
  epoch: number;
  step: number;
  /** Batches of epoch `epoch + 1` already trained (non-zero for a run stopped mid-epoch). */
  batchInEpoch: number;
  best: number | null;
  epochsWithoutImprovement: number;
  scheduler: Record<string, unknown>;
  generator: number[];
  /** The model's own generator (dropout masks). */
  modelGenerator: number[];
  lastAccuracy: number | null;
  /** The loader's generator as epoch `epoch + 1` begins: replaying it gives that epoch's batch order. */
  loaderGenerator: number[];
}

function allFinite(t: Tensor): boolean {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/** The numeric fields of a scheduler (its whole state), for checkpoints. */
function schedulerState(s: Scheduler | null): Record<string, unknown> {
  if (!s) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (typeof v === 'number' || v === null) out[k] = v;
  return out;
}

export class Trainer {
  readonly spec: ExperimentSpec;
  readonly runId: string;
  private readonly options: TrainerOptions;
  private readonly listeners: EventListener[] = [];
  built: BuiltModel | null = null;
  optimizer: optim.Optimizer<{ lr: number }> | null = null;

  constructor(spec: ExperimentSpec, options: TrainerOptions) {
    this.spec = spec;
    this.options = options;
    this.runId = options.runId ?? `${new Date().toISOString().replace(/[:.]/g, '-')}-${spec.name}`;
  }

  /** Listen to every event; returns a function that removes the listener. */
  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private async emit(event: TrainerEvent): Promise<void> {
    for (const l of this.listeners) await l(event);
  }

  private makeOptimizer(built: BuiltModel, trainSize: number): optim.Optimizer<{ lr: number }> {
    const o = this.spec.optimizer;
    const lambda = this.spec.lambda;
    const decayed = new Set(built.weights);
    const params = built.module.parameters();
    const others = params.filter((p) => !decayed.has(p));
    // Nielsen's L2 decays the weights only: w <- (1 - eta lambda / n) w - eta grad.
    const groups = (extra: Record<string, unknown>) =>
      lambda > 0
        ? [{ params: built.weights, ...extra }, { params: others }].filter((g) => g.params.length > 0)
        : params;
    switch (o.type) {
      case 'sgd':
        return new optim.SGD(groups({ nielsenL2: { lambda, n: trainSize } }) as never, {
          lr: o.lr,
          momentum: o.momentum,
          nesterov: o.nesterov,
          weightDecay: o.weightDecay,
        }) as never;
      case 'adam':
        return new optim.Adam(groups({ weightDecay: o.weightDecay + lambda / trainSize }) as never, {
          lr: o.lr,
          betas: o.betas,
          weightDecay: o.weightDecay,
        }) as never;
      case 'adamw':
        return new optim.AdamW(groups({ weightDecay: o.weightDecay + lambda / trainSize }) as never, {
          lr: o.lr,
          betas: o.betas,
          weightDecay: o.weightDecay,
        }) as never;
      case 'rmsprop':
        return new optim.RMSprop(groups({ weightDecay: lambda / trainSize }) as never, {
          lr: o.lr,
          alpha: o.alpha,
        }) as never;
    }
  }

  private makeScheduler(opt: optim.Optimizer<{ lr: number }>): Scheduler | null {
    const s = this.spec.schedule;
    switch (s.type) {
      case 'none':
        return null;
      case 'step':
        return new optim.StepLR(opt, { stepSize: s.stepSize, gamma: s.gamma }) as unknown as Scheduler;
      case 'exponential':
        return new optim.ExponentialLR(opt, { gamma: s.gamma }) as unknown as Scheduler;
      case 'nielsen':
        return new optim.NielsenSchedule(opt, {
          patience: s.patience,
          stopRatio: 1 / s.minFactor,
        }) as unknown as Scheduler;
    }
  }

  /** Cost and accuracy of the model over a whole dataset, in eval mode without gradients. */
  private evaluate(built: BuiltModel, dataset: Dataset): { cost: number; accuracy: number | null } {
    const wasTraining = built.module.training;
    built.module.eval();
    try {
      return noGrad(() => {
        let costSum = 0;
        let correct = 0;
        let seen = 0;
        let classified = false;
        const batch = 1000;
        for (let start = 0; start < dataset.length; start += batch) {
          const indices = Array.from(
            { length: Math.min(batch, dataset.length - start) },
            (_, i) => start + i,
          );
          const [x, y] = batchOf(dataset, indices);
          const out = built.forward(x);
          costSum += built.loss(out, y).item() * indices.length;
          const predicted = built.predict(out);
          if (predicted) {
            classified = true;
            correct += predicted.eq(y).sum().item();
          }
          seen += indices.length;
        }
        let cost = costSum / Math.max(seen, 1);
        // network2.py's total_cost adds the L2 term 0.5 (lambda / len(data)) sum ||w||^2, with len(data) the size of
        // the set being evaluated (not the training set).
        if (this.spec.lambda > 0) {
          let squares = 0;
          for (const w of built.weights) {
            const v = w.dataSync();
            for (let i = 0; i < v.length; i++) squares += v[i]! * v[i]!;
          }
          cost += (0.5 * this.spec.lambda * squares) / Math.max(seen, 1);
        }
        return { cost, accuracy: classified ? (100 * correct) / Math.max(seen, 1) : null };
      });
    } finally {
      if (wasTraining) built.module.train();
    }
  }

  /** After a non-finite loss: find the first layer whose output or gradient went bad, for the error message. */
  private diagnose(
    built: BuiltModel,
    layers: readonly ProbeLayer[],
    x: Tensor,
    y: Tensor,
  ): string | undefined {
    for (const layer of layers) {
      if (!allFinite(layer.weight) || (layer.bias && !allFinite(layer.bias)))
        return `${layer.name} (its parameters)`;
    }
    let culprit: string | undefined;
    const handles = layers.map((layer) =>
      layer.module.registerForwardHook((_m, _inputs, output) => {
        if (
          culprit === undefined &&
          output &&
          typeof output === 'object' &&
          'dataSync' in output &&
          !allFinite(output as Tensor)
        ) {
          culprit = `${layer.name} (its output)`;
        }
      }),
    );
    try {
      noGrad(() => built.loss(built.forward(x), y));
    } finally {
      for (const h of handles) h.remove();
    }
    if (culprit) return culprit;
    for (const layer of [...layers].reverse()) {
      if (
        (layer.weight.grad && !allFinite(layer.weight.grad)) ||
        (layer.bias?.grad && !allFinite(layer.bias.grad))
      ) {
        return `${layer.name} (its gradient)`;
      }
    }
    return "the cost itself (every layer's parameters and outputs are finite: the cost overflowed)";
  }

  /** Run the experiment to the end (or until stopped); resolves with the runEnd event. */
  async run(): Promise<RunEndEvent> {
    const spec = this.spec;
    const started = performance.now();
    let epoch = 0;
    let step = 0;
    let best: number | null = null;
    let lastAccuracy: number | null = null;
    const runEnd = (status: RunEndEvent['status']): RunEndEvent => ({
      type: 'runEnd',
      status,
      epochs: epoch,
      steps: step,
      bestEvaluationAccuracy: best,
      finalEvaluationAccuracy: lastAccuracy,
      seconds: (performance.now() - started) / 1000,
      time: Date.now(),
    });
    try {
      if (spec.backend !== 'cpu') setDefaultBackend(spec.backend);
      manualSeed(spec.seed);
      const data = this.options.data;
      const trainSize = data.train.length;
      // Parameters are drawn from this generator, and dropout layers keep drawing their masks from it: its state is
      // part of every checkpoint, or a resumed run with dropout would not match an uninterrupted one.
      const modelGenerator = new Generator(spec.seed);
      const built = buildModel(spec, modelGenerator);
      // On the CPU, parameters in the kernels' wasm memory: no copies per kernel call or optimizer update (the
      // data-parallel replicas share the parameters through their own buffer instead).
      if (spec.workers <= 1) built.module.pinMemory();
      this.built = built;
      const optimizer = this.makeOptimizer(built, trainSize);
      this.optimizer = optimizer;
      const scheduler = this.makeScheduler(optimizer);
      const layers = probeLayers(built.module);
      let parallel: ParallelGradient | null = null;
      if (spec.workers > 1) {
        if (!this.options.parallel) {
          throw new Error(
            `workers: ${spec.workers} needs data-parallel replicas, which this environment did not provide; run it ` +
              'through @nndl/engine/node (runExperiment or the nndl CLI), or set workers to 1.',
          );
        }
        parallel = await this.options.parallel(spec, built, spec.workers);
      }
      const loader = new DataLoader(data.train, {
        batchSize: spec.data.batchSize,
        shuffle: true,
        seed: spec.seed,
        numWorkers: spec.data.workers,
      }) as DataLoader<Dataset, [Tensor, Tensor]>;
      let epochsWithoutImprovement = 0;
      let skipBatches = 0;
      let epochLoaderGenerator = loader.generator.getState();
      let batch = 0;

      if (this.options.resumeFrom) {
        const ckpt = loadCheckpoint(this.options.resumeFrom, 'resume checkpoint');
        built.module.loadStateDict(ckpt.model);
        if (ckpt.optimizer) optimizer.loadStateDict(ckpt.optimizer);
        const progress = JSON.parse(ckpt.metadata?.progress ?? '{}') as Partial<Progress>;
        epoch = progress.epoch ?? 0;
        step = progress.step ?? 0;
        best = progress.best ?? null;
        epochsWithoutImprovement = progress.epochsWithoutImprovement ?? 0;
        if (scheduler && progress.scheduler) Object.assign(scheduler, progress.scheduler);
        if (progress.generator) defaultGenerator.setState(progress.generator);
        if (progress.modelGenerator) modelGenerator.setState(progress.modelGenerator);
        lastAccuracy = progress.lastAccuracy ?? null;
        if (progress.loaderGenerator) loader.generator.setState(progress.loaderGenerator);
        // Stopped mid-epoch: the epoch's order is replayed and what was already trained is skipped.
        skipBatches = progress.batchInEpoch ?? 0;
      }

      await this.emit({
        type: 'runStart',
        runId: this.runId,
        spec,
        layers: layers.map((l) => l.name),
        parameterCount: built.module.parameters().reduce((n, p) => n + p.numel(), 0),
        trainSize,
        evaluationSize: data.evaluation.length,
        startEpoch: epoch,
        startStep: step,
        time: Date.now(),
      });

      // The probe set: the first `probeSize` training images, fixed for the whole run (chapter 5).
      const probeEvery = spec.probes.every;
      const probeBatch =
        probeEvery > 0
          ? batchOf(
              data.trainForEvaluation ?? data.train,
              Array.from({ length: Math.min(spec.probes.probeSize, trainSize) }, (_, i) => i),
            )
          : null;
      const probe = async () => {
        if (!probeBatch) return;
        const stats = gradientStats(built, layers, probeBatch[0], probeBatch[1], spec.probes);
        await this.emit({ type: 'gradientStats', epoch, step, layers: stats });
      };
      if (step === 0) await probe();

      const saveCheckpointNow = async (name: string, midEpoch: boolean) => {
        if (!this.options.saveCheckpoint) return;
        const progress: Progress = {
          epoch,
          step,
          batchInEpoch: midEpoch ? batch : 0,
          best,
          epochsWithoutImprovement,
          scheduler: schedulerState(scheduler),
          generator: defaultGenerator.getState(),
          modelGenerator: modelGenerator.getState(),
          lastAccuracy,
          loaderGenerator: midEpoch ? epochLoaderGenerator : loader.generator.getState(),
        };
        const bytes = saveCheckpoint({
          model: built.module.stateDict(),
          optimizer: optimizer.stateDict(),
          metadata: { progress: JSON.stringify(progress), spec: JSON.stringify(spec), runId: this.runId },
        });
        const path = await this.options.saveCheckpoint(name, bytes);
        await this.emit({ type: 'checkpoint', epoch, step, path });
      };

      const every = this.options.batchEventEvery ?? 1;
      let stopped = false;
      const batches = Math.ceil(trainSize / spec.data.batchSize);
      try {
        while (epoch < spec.epochs) {
          built.module.train();
          const epochStart = performance.now();
          epochLoaderGenerator = loader.generator.getState();
          batch = 0;
          let seen = 0;
          for await (const [x, y] of loader) {
            if (skipBatches > 0) {
              skipBatches--;
              batch++;
              continue;
            }
            if (this.options.signal?.aborted) {
              stopped = true;
              break;
            }
            const t0 = performance.now();
            const diverged = (value: number, loss: Tensor | null): TrainingError => {
              if (loss) loss.backward();
              const layer = this.diagnose(built, layers, x, y);
              return new TrainingError(
                `training diverged at step ${step + 1} (epoch ${epoch + 1}, batch ${batch + 1}): the loss is ${value}` +
                  `${layer ? `; the first layer to go bad was ${layer}` : ''}. Lower the learning rate ` +
                  `(it is ${optimizer.paramGroups[0]?.lr}), check the inputs for NaN, or use a smaller initialization.`,
                step + 1,
                layer,
              );
            };
            let value: number;
            if (parallel) {
              optimizer.zeroGrad();
              value = await parallel.step(x, y);
              if (!Number.isFinite(value)) throw diverged(value, null);
              optimizer.step();
            } else {
              // One step in tidy: the step's tensors, gradients included, are disposed at its end, and on the CPU
              // their storage is reused for the next step's results (docs/tensor.md, "Memory"). Optimizer state and
              // parameters are kept (@nndl/nn keeps them); nothing reads this step's gradients after it.
              value = tidy(() => {
                optimizer.zeroGrad();
                const loss = built.loss(built.forward(x), y);
                const v = loss.item();
                if (!Number.isFinite(v)) throw diverged(v, loss);
                loss.backward();
                optimizer.step();
                return v;
              });
            }
            step++;
            batch++;
            seen += x.shape[0] ?? 0;
            if (step % every === 0 || batch === batches) {
              await this.emit({
                type: 'batchEnd',
                epoch: epoch + 1,
                batch,
                batches,
                step,
                loss: value,
                ms: performance.now() - t0,
                lr: optimizer.paramGroups[0]?.lr ?? 0,
              });
            }
            if (probeEvery > 0 && step % probeEvery === 0) await probe();
          }
          if (stopped) break;
          const seconds = (performance.now() - epochStart) / 1000;
          epoch++;
          batch = 0;
          const m = spec.monitor;
          const event: EpochEndEvent = {
            type: 'epochEnd',
            epoch,
            epochs: spec.epochs,
            step,
            lr: optimizer.paramGroups[0]?.lr ?? 0,
            seconds,
            throughput: seen / Math.max(seconds, 1e-9),
          };
          if (m.trainingCost || m.trainingAccuracy) {
            const r = this.evaluate(built, data.trainForEvaluation ?? data.train);
            if (m.trainingCost) event.trainingCost = r.cost;
            if (m.trainingAccuracy && r.accuracy !== null) event.trainingAccuracy = r.accuracy;
          }
          let accuracy: number | null = null;
          if (
            m.evaluationCost ||
            m.evaluationAccuracy ||
            spec.earlyStopping ||
            spec.schedule.type === 'nielsen'
          ) {
            const r = this.evaluate(built, data.evaluation);
            if (m.evaluationCost) event.evaluationCost = r.cost;
            accuracy = r.accuracy;
            if (m.evaluationAccuracy && accuracy !== null) event.evaluationAccuracy = accuracy;
          }
          lastAccuracy = accuracy;
          if (accuracy !== null && (best === null || accuracy > best)) {
            best = accuracy;
            epochsWithoutImprovement = 0;
          } else epochsWithoutImprovement++;
          await this.emit(event);
          if (probeBatch && (probeEvery === 0 || step % probeEvery !== 0)) await probe();
          if (scheduler) scheduler.step(spec.schedule.type === 'nielsen' ? (accuracy ?? 0) : undefined);
          if (epoch % spec.checkpoints.every === 0 || epoch === spec.epochs)
            await saveCheckpointNow(`epoch-${epoch}`, false);
          if (scheduler?.done) {
            await this.emit({
              type: 'earlyStop',
              epoch,
              reason: `the learning rate fell to 1/${(spec.schedule as { minFactor: number }).minFactor} of its start`,
            });
            break;
          }
          if (spec.earlyStopping && epochsWithoutImprovement >= spec.earlyStopping.patience) {
            await this.emit({
              type: 'earlyStop',
              epoch,
              reason: `no improvement in evaluation accuracy for ${spec.earlyStopping.patience} epochs`,
            });
            break;
          }
        }
        if (stopped) await saveCheckpointNow(`step-${step}`, true);
      } finally {
        await loader.close();
        await parallel?.close();
      }
      const end = runEnd(stopped ? 'stopped' : 'finished');
      await this.emit(end);
      return end;
    } catch (e) {
      const error = e as Error;
      await this.emit({
        type: 'error',
        message: error.message,
        step: e instanceof TrainingError ? e.step : step,
        ...(e instanceof TrainingError && e.layer ? { layer: e.layer } : {}),
      });
      await this.emit(runEnd('failed'));
      throw e;
    }
  }
}

/** One batch of samples by index: a dataset's fast getBatch when it has one, else stacked samples. */
export function batchOf(dataset: Dataset, indices: number[]): [Tensor, Tensor] {
  const fast = (dataset as { getBatch?: (i: number[]) => [Tensor, Tensor] }).getBatch;
  if (fast) return fast.call(dataset, indices);
  return defaultCollate(indices.map((i) => dataset.get(i)) as never) as unknown as [Tensor, Tensor];
}
