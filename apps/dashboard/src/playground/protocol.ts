/** What the page and the training worker say to each other (through comlink). */

export type Activation = 'sigmoid' | 'tanh' | 'relu';
/** 'large': N(0,1) (network.py); 'default': N(0,1/n_in) (network2.py); 'kaiming': N(0,2/n_in). */
export type Init = 'large' | 'default' | 'kaiming';
export type Cost = 'quadratic' | 'cross-entropy' | 'log-likelihood';

export interface PlaygroundConfig {
  hiddenLayers: number;
  width: number;
  activation: Activation;
  init: Init;
  cost: Cost;
  lr: number;
  batchSize: number;
  seed: number;
}

export interface LayerSpeed {
  layer: string;
  speed: number;
  weightGradNorm: number;
}

export interface Probe {
  step: number;
  layers: LayerSpeed[];
}

export interface TrainReport {
  step: number;
  epoch: number;
  /** [step, mini-batch cost] for each step trained in this call. */
  losses: [number, number][];
  probes: Probe[];
  /** Accuracy on the 2,000 test digits, when measured in this call. */
  accuracy: [number, number] | null;
  /** Mean milliseconds per training step in this call. */
  msPerStep: number;
  /** Threads the CPU backend's large kernels run on (2 where the page is cross-origin isolated); 1 on WebGL. */
  cpuThreads: number;
  diverged: boolean;
}

export type BackendChoice = 'auto' | 'webgl' | 'cpu';

export interface StartInfo {
  backend: string;
  /** Why the requested backend is not the one in use, when it isn't. */
  notice: string | null;
  /** Threads the CPU backend's large kernels run on (see TrainReport). */
  cpuThreads: number;
}

export interface ModelInfo {
  layers: string[];
  parameterCount: number;
}

export interface WorkerApi {
  /**
   * 'auto': WebGL on a hardware GPU, else the CPU (a software WebGL renderer such as SwiftShader or llvmpipe trains
   * these small networks far slower than the CPU backend: ~49 against ~0.5 ms a step with SwiftShader on 2 cores);
   * 'webgl' and 'cpu' as asked (WebGL falls back to the CPU only when it cannot start).
   */
  start(backend: BackendChoice, digitsUrl: string | null): Promise<StartInfo>;
  configure(config: PlaygroundConfig): ModelInfo;
  train(maxSteps: number, budgetMs: number): TrainReport;
  probe(): Probe | null;
  evaluate(): number;
  /** Class probabilities of one 28x28 image (values in [0, 1], row-major), for the playground or the checkpoint. */
  predict(pixels: Float32Array, model: 'playground' | 'checkpoint'): number[];
  loadCheckpoint(bytes: Uint8Array, specJson: string | null): ModelInfo & { name: string };
}
