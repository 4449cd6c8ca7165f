/**
 * The vanishing-gradients lesson's worker: the book's networks (NielsenNetwork, N(0, 1/n_in) weights, N(0, 1)
 * biases, cross-entropy cost) on the first 1,000 bundled training digits, computed on the CPU backend. The speed of
 * learning of a layer is ‖dC/db‖, C the cost averaged over those images, as chapter 5 measures it.
 */
import { batchOf } from '@nndl/engine';
import { optim } from '@nndl/nn';
import { NielsenNetwork } from '@nndl/nn/models';
import { Generator, oneHot, setDefaultBackend, type Tensor } from '@nndl/tensor';
import { expose } from 'comlink';
import { fetchDigits } from '../playground/digits';
import { BOOK_TRAINING, type EpochSpeeds, NETWORKS, type VanishingApi } from './vanishing_protocol';

let images: { x: Tensor; y: Tensor } | null = null;
let session: { net: NielsenNetwork; optimizer: optim.SGD; epoch: number } | null = null;

function network(hiddenLayers: number, seed: number): NielsenNetwork {
  const spec = NETWORKS.find((n) => n.hiddenLayers === hiddenLayers);
  if (!spec) throw new Error(`vanishing: no network with ${hiddenLayers} hidden layers (2, 3 or 4)`);
  return new NielsenNetwork([...spec.sizes], { cost: 'crossEntropy', generator: new Generator(seed) });
}

/** Cost and gradients on the probe images; returns the cost and the hidden layers' ‖dC/db‖ (not the output's). */
function speeds(net: NielsenNetwork): { cost: number; speeds: number[] } {
  if (!images) throw new Error('vanishing: start() first');
  net.zeroGrad();
  const cost = net.cost(net.call(images.x), images.y);
  cost.backward();
  const biases = net.biases().slice(0, -1);
  return {
    cost: cost.item(),
    speeds: biases.map((b) => {
      const g = b.grad!.dataSync();
      let s = 0;
      for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
      return Math.sqrt(s);
    }),
  };
}

const api: VanishingApi = {
  async start(digitsUrl) {
    setDefaultBackend('cpu');
    if (!images) {
      const digits = await fetchDigits(digitsUrl);
      const indices = Array.from({ length: BOOK_TRAINING.images }, (_, i) => i);
      const [x, labels] = batchOf(digits.train, indices);
      images = { x: x.reshape(indices.length, 784), y: oneHot(labels, 10, 'float32') };
    }
    return { images: BOOK_TRAINING.images };
  },

  initialSpeeds(hiddenLayers, seeds) {
    return seeds.map((seed) => speeds(network(hiddenLayers, seed)).speeds);
  },

  configure(hiddenLayers, seed) {
    const net = network(hiddenLayers, seed);
    const optimizer = new optim.SGD(
      [
        { params: net.weights(), nielsenL2: { lambda: BOOK_TRAINING.lambda, n: BOOK_TRAINING.images } },
        { params: net.biases() },
      ],
      { lr: BOOK_TRAINING.eta },
    );
    session = { net, optimizer, epoch: 0 };
  },

  train(maxEpochs, budgetMs) {
    const s = session;
    if (!s) throw new Error('vanishing: configure() first');
    const started = performance.now();
    const out: EpochSpeeds[] = [];
    while (out.length < maxEpochs && (out.length === 0 || performance.now() - started < budgetMs)) {
      // The book measures the speeds with the gradient it is about to step along (one full batch per epoch).
      const measured = speeds(s.net);
      s.optimizer.step();
      out.push({ epoch: s.epoch++, ...measured });
    }
    return out;
  },
};

expose(api);
