/** NielsenNetwork: network.py / network2.py from "Neural Networks and Deep Learning", as layers. */
import type { DType, Generator, Tensor } from '@nndl/tensor';
import * as F from '../functional.js';
import { nielsenInit_ } from '../init.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';
import { ModuleList } from '../module_list.js';
import type { Parameter } from '../parameter.js';

export type NielsenActivation = 'sigmoid' | 'tanh' | 'relu';
export type NielsenCost = 'quadratic' | 'crossEntropy';

export interface NielsenNetworkOptions {
  /** Activation of the hidden layers (default sigmoid). The output layer is always a sigmoid, as in the book. */
  activation?: NielsenActivation;
  /** Which cost `cost(a, y)` computes: network.py's quadratic cost (default) or network2.py's cross-entropy. */
  cost?: NielsenCost;
  /** 'default': N(0, 1/n_in) weights (network2.py); 'large': N(0, 1) weights (network.py). Biases N(0, 1). */
  init?: 'default' | 'large';
  generator?: Generator;
  dtype?: DType;
}

/**
 * Nielsen's fully connected network. Samples are rows (x: [m, sizes[0]], one-hot targets y: [m, sizes.at(-1)]),
 * where the book uses column vectors; the arithmetic is the same. Train it as the book does with
 * `SGD(net.parameters(), { lr: eta })` on `net.cost(net.call(x), y)`, which averages over the mini-batch; for
 * network2.py's L2 regularization put `net.weights()` in a group with `nielsenL2: { lambda, n }`.
 * @example
 * const net = new NielsenNetwork([784, 30, 10], { init: 'large' }); // network.py
 * const opt = new SGD(net.parameters(), { lr: 3.0 });
 * opt.zeroGrad(); net.cost(net.call(x), y).backward(); opt.step();
 */
export class NielsenNetwork extends Module {
  readonly sizes: number[];
  readonly activation: NielsenActivation;
  readonly costName: NielsenCost;
  readonly initScheme: 'default' | 'large';
  layers: ModuleList<Linear>;

  constructor(sizes: number[], options: NielsenNetworkOptions = {}) {
    super();
    if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
      throw new Error(
        `NielsenNetwork: sizes must list at least two positive layer sizes, got [${sizes.join(', ')}]`,
      );
    }
    this.sizes = sizes.slice();
    this.activation = options.activation ?? 'sigmoid';
    this.costName = options.cost ?? 'quadratic';
    this.initScheme = options.init ?? 'default';
    this.layers = new ModuleList(
      sizes.slice(1).map((n, i) => new Linear(sizes[i]!, n, { dtype: options.dtype })),
    );
    this.resetParameters(options.generator);
  }

  resetParameters(generator?: Generator): void {
    nielsenInit_(this, this.initScheme, generator);
  }

  override forward(x: Tensor): Tensor {
    const last = this.layers.length - 1;
    this.layers.forEach((layer, i) => {
      const z = layer.call(x);
      x =
        i === last || this.activation === 'sigmoid'
          ? z.sigmoid()
          : this.activation === 'relu'
            ? z.relu()
            : z.tanh();
    });
    return x;
  }

  /** The book's cost of output activations `a` against targets `y`, averaged over the mini-batch's rows. */
  cost(a: Tensor, y: Tensor): Tensor {
    return this.costName === 'quadratic' ? F.nielsenQuadraticCost(a, y) : F.nielsenCrossEntropyCost(a, y);
  }

  /** The weight matrices (what Nielsen's L2 regularization decays). */
  weights(): Parameter[] {
    return this.layers.map((l) => l.weight);
  }

  biases(): Parameter[] {
    return this.layers.map((l) => l.bias!);
  }

  override extraRepr(): string {
    return `sizes=[${this.sizes.join(', ')}], activation=${this.activation}, cost=${this.costName}`;
  }
}
