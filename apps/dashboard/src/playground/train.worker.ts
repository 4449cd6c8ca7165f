/**
 * The playground's training worker: builds a Nielsen network from the page's controls with the engine's
 * buildModel, trains it step by step on the bundled digits, and probes per-layer gradients (the engine's
 * gradientStats: Nielsen's speed of learning on a fixed probe set). Runs on the WebGL backend when it starts, else
 * on the CPU. The page calls `train` in short slices, so pausing is just not calling it again.
 */

import { randperm } from '@nndl/data';
import {
  type BuiltModel,
  batchOf,
  buildModel,
  type ExperimentSpec,
  gradientStats,
  type ProbeLayer,
  parseSpec,
  probeLayers,
} from '@nndl/engine';
import { loadCheckpoint, optim } from '@nndl/nn';
import {
  cpuThreads,
  Generator,
  getBackend,
  getDefaultBackendName,
  noGrad,
  setDefaultBackend,
  type Tensor,
  tensor,
  tidy,
} from '@nndl/tensor';
import { expose } from 'comlink';
import { type Digits, fetchDigits } from './digits';
import type { ModelInfo, PlaygroundConfig, Probe, StartInfo, TrainReport, WorkerApi } from './protocol';

/** Images in the fixed probe set (chapter 5 uses 1,000; fewer keeps the probe cheap in a browser). */
const PROBE_SIZE = 500;
/** Probe every this many steps, and measure test accuracy every EVAL_EVERY steps. */
const PROBE_EVERY = 10;
const EVAL_EVERY = 200;

interface Session {
  spec: ExperimentSpec;
  built: BuiltModel;
  layers: ProbeLayer[];
  optimizer: optim.SGD;
  generator: Generator;
  order: Int32Array;
  position: number;
  step: number;
  epoch: number;
}

let digits: Digits | null = null;
let probeBatch: [Tensor, Tensor] | null = null;
let session: Session | null = null;
let checkpoint: { built: BuiltModel; spec: ExperimentSpec } | null = null;

function specOf(config: PlaygroundConfig): ExperimentSpec {
  return parseSpec(
    {
      name: 'playground',
      model: {
        type: 'nielsen',
        sizes: [784, ...Array.from({ length: config.hiddenLayers }, () => config.width), 10],
        activation: config.activation,
        init: config.init,
      },
      data: { dataset: 'bundled-digits', batchSize: config.batchSize },
      loss: config.cost,
      optimizer: { type: 'sgd', lr: config.lr },
      epochs: 1,
      seed: config.seed,
    },
    'playground settings',
  );
}

function probeNow(s: Session): Probe | null {
  if (!probeBatch) return null;
  const [x, y] = probeBatch;
  const stats = tidy(() => gradientStats(s.built, s.layers, x, y, { histograms: false, bins: 1 }));
  return {
    step: s.step,
    layers: stats.map((l) => ({ layer: l.layer, speed: l.speed, weightGradNorm: l.weightGradNorm })),
  };
}

/** Class probabilities from the model's output: softmax of logits, or the sigmoid outputs normalized. */
function probabilities(built: BuiltModel, spec: ExperimentSpec, x: Tensor): number[] {
  return tidy(() =>
    noGrad(() => {
      const out = built.forward(x);
      const values = Array.from(out.dataSync());
      if (spec.loss === 'log-likelihood' || spec.model.type !== 'nielsen') {
        const max = Math.max(...values);
        const exps = values.map((v) => Math.exp(v - max));
        const sum = exps.reduce((a, b) => a + b, 0);
        return exps.map((e) => e / sum);
      }
      const sum = values.reduce((a, b) => a + Math.max(0, b), 0) || 1;
      return values.map((v) => Math.max(0, v) / sum);
    }),
  );
}

/** The CPU backend's kernel threads when it is the one training (it is not created for WebGL). */
function threadsNow(): number {
  return getDefaultBackendName() === 'cpu' ? cpuThreads() : 1;
}

const api: WorkerApi = {
  async start(backend, digitsUrl) {
    let notice: string | null = null;
    if (backend === 'webgl' || backend === 'auto') {
      try {
        const { webglCapabilities } = await import('@nndl/tensor/webgl');
        setDefaultBackend('webgl');
        // A tiny op forces the backend's start-up checks (WebGL2, float32 textures) now rather than mid-training.
        tensor([1, 2, 3]).add(1).dataSync();
        const { renderer, softwareRenderer } = webglCapabilities();
        if (backend === 'auto' && softwareRenderer) {
          setDefaultBackend('cpu');
          notice =
            `WebGL here is a software renderer (${renderer}), which trains these small networks far slower than the ` +
            'CPU backend (about 90x with SwiftShader on a 2-core machine): training on the CPU. Pick WebGL in the ' +
            'Backend menu to use it anyway.';
        }
      } catch (e) {
        setDefaultBackend('cpu');
        notice = `WebGL is not available here (${(e as Error).message}); training on the CPU backend instead.`;
      }
    } else {
      setDefaultBackend('cpu');
    }
    // Create the CPU backend now, so that its kernel worker (where cross-origin isolated) starts while the digits load.
    if (getDefaultBackendName() === 'cpu') getBackend('cpu');
    if (digitsUrl && !digits) {
      digits = await fetchDigits(digitsUrl);
      const indices = Array.from({ length: PROBE_SIZE }, (_, i) => i);
      probeBatch = batchOf(digits.train, indices);
    }
    const info: StartInfo = { backend: getDefaultBackendName(), notice, cpuThreads: threadsNow() };
    return info;
  },

  configure(config) {
    if (!digits) throw new Error('configure: start() with the digits first');
    const spec = specOf(config);
    const generator = new Generator(config.seed);
    const built = buildModel(spec, generator);
    const layers = probeLayers(built.module);
    session = {
      spec,
      built,
      layers,
      optimizer: new optim.SGD(built.module.parameters(), { lr: config.lr }),
      generator,
      order: randperm(digits.train.length, generator),
      position: 0,
      step: 0,
      epoch: 0,
    };
    const info: ModelInfo = {
      layers: layers.map((l) => l.name),
      parameterCount: built.module.parameters().reduce((n, p) => n + p.numel(), 0),
    };
    return info;
  },

  train(maxSteps, budgetMs) {
    const s = session;
    if (!s || !digits) throw new Error('train: configure() first');
    const started = performance.now();
    const losses: [number, number][] = [];
    const probes: Probe[] = [];
    let accuracy: [number, number] | null = null;
    let diverged = false;
    const batchSize = s.spec.data.batchSize;
    let trained = 0;
    while (trained < maxSteps && (trained === 0 || performance.now() - started < budgetMs)) {
      if (s.position + batchSize > s.order.length) {
        s.order = randperm(digits.train.length, s.generator);
        s.position = 0;
        s.epoch++;
      }
      const indices = Array.from(s.order.subarray(s.position, s.position + batchSize));
      s.position += batchSize;
      const value = tidy(() => {
        const [x, y] = batchOf(digits!.train, indices);
        s.optimizer.zeroGrad();
        const loss = s.built.loss(s.built.forward(x), y);
        loss.backward();
        s.optimizer.step();
        const v = loss.item();
        // The gradients were made inside this scope and are disposed with it: drop the references.
        s.optimizer.zeroGrad();
        return v;
      });
      s.step++;
      trained++;
      losses.push([s.step, value]);
      if (!Number.isFinite(value)) {
        diverged = true;
        break;
      }
      if (s.step % PROBE_EVERY === 0) {
        const p = probeNow(s);
        if (p) probes.push(p);
      }
      if (s.step % EVAL_EVERY === 0) accuracy = [s.step, api.evaluate()];
    }
    const report: TrainReport = {
      step: s.step,
      epoch: s.epoch,
      losses,
      probes,
      accuracy,
      msPerStep: (performance.now() - started) / Math.max(1, trained),
      cpuThreads: threadsNow(),
      diverged,
    };
    return report;
  },

  probe() {
    return session ? probeNow(session) : null;
  },

  evaluate() {
    const s = session;
    if (!s || !digits) return 0;
    const test = digits.test;
    let correct = 0;
    for (let start = 0; start < test.length; start += 500) {
      const indices = Array.from({ length: Math.min(500, test.length - start) }, (_, i) => start + i);
      correct += tidy(() =>
        noGrad(() => {
          const [x, y] = batchOf(test, indices);
          return s.built.predict(s.built.forward(x))!.eq(y).sum().item();
        }),
      );
    }
    return (100 * correct) / test.length;
  },

  predict(pixels, model) {
    const target = model === 'checkpoint' ? checkpoint : session;
    if (!target) throw new Error(`predict: no ${model} model loaded`);
    const x = tensor(Array.from(pixels)).reshape(1, 1, 28, 28);
    return probabilities(target.built, target.spec, x);
  },

  loadCheckpoint(bytes, specJson) {
    const ckpt = loadCheckpoint(bytes, 'the run checkpoint');
    const json = ckpt.metadata?.spec ?? specJson;
    if (!json) throw new Error('the checkpoint carries no spec, and the run has no spec.json');
    const spec = parseSpec(JSON.parse(json), 'checkpoint spec');
    const built = buildModel(spec, new Generator(spec.seed));
    built.module.loadStateDict(ckpt.model);
    built.module.eval();
    checkpoint = { built, spec };
    return {
      name: spec.name,
      layers: probeLayers(built.module).map((l) => l.name),
      parameterCount: built.module.parameters().reduce((n, p) => n + p.numel(), 0),
    };
  },
};

expose(api);
