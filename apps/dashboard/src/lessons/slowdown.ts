/**
 * Chapter 3's learning slowdown: one sigmoid neuron with one input x = 1 and target y = 0, trained by gradient
 * descent with the quadratic cost C = (a - y)^2 / 2 or the cross-entropy C = -[y ln a + (1 - y) ln(1 - a)].
 * The quadratic cost's gradient carries a factor sigmoid'(z), which is tiny when the neuron starts saturated (w 2,
 * b 2: a = 0.98), so it learns slowly at first; the cross-entropy's gradient is (a - y) x, large when a is wrong.
 * Autograd computes the gradients; the book's SGD rule updates w and b.
 */
import { F, optim } from '@nndl/nn';
import { noGrad, type Tensor, tensor } from '@nndl/tensor';

export type NeuronCost = 'quadratic' | 'cross-entropy';

export interface NeuronSettings {
  cost: NeuronCost;
  w: number;
  b: number;
  eta: number;
  epochs: number;
}

/** The state at the start of one epoch: before that epoch's update (epoch `epochs` is the final state). */
export interface NeuronRecord {
  epoch: number;
  w: number;
  b: number;
  output: number;
  cost: number;
  /** dC/dw and dC/db at this state. */
  gradW: number;
  gradB: number;
}

/** The book's starting points and learning rates. */
export const STARTS = [
  { id: 'w0.6-b0.9', label: 'w = 0.6, b = 0.9 (output 0.82)', w: 0.6, b: 0.9 },
  { id: 'w2-b2', label: 'w = 2, b = 2 (output 0.98)', w: 2, b: 2 },
] as const;
export const ETA = 0.15;
/** Chapter 3 trains its cross-entropy neuron with eta 0.005 (its figures' note: the costs' scales differ). */
export const BOOK_CROSS_ENTROPY_ETA = 0.005;
export const EPOCHS = 300;

/**
 * Trains one neuron an epoch at a time. `step()` records the current state, then updates it; it returns false once
 * the final state (after `epochs` updates) is recorded.
 * @example
 * const t = new NeuronTrainer({ cost: 'quadratic', w: 2, b: 2, eta: 0.15, epochs: 300 });
 * while (t.step());
 * t.records.at(-1)!.output; // about 0.2
 */
export class NeuronTrainer {
  readonly records: NeuronRecord[] = [];
  private readonly w: Tensor;
  private readonly b: Tensor;
  private readonly x = tensor([[1]], { dtype: 'float32' });
  private readonly y = tensor([[0]], { dtype: 'float32' });
  private readonly optimizer: optim.SGD;

  constructor(readonly settings: NeuronSettings) {
    this.w = tensor([[settings.w]], { dtype: 'float32', requiresGrad: true });
    this.b = tensor([settings.b], { dtype: 'float32', requiresGrad: true });
    this.optimizer = new optim.SGD([this.w, this.b], { lr: settings.eta });
  }

  get done(): boolean {
    return this.records.length > this.settings.epochs;
  }

  step(): boolean {
    if (this.done) return false;
    this.optimizer.zeroGrad();
    const a = this.x.matmul(this.w).add(this.b).sigmoid();
    const cost =
      this.settings.cost === 'quadratic'
        ? F.nielsenQuadraticCost(a, this.y)
        : F.nielsenCrossEntropyCost(a, this.y);
    cost.backward();
    const epoch = this.records.length;
    this.records.push({
      epoch,
      w: this.w.item(),
      b: this.b.item(),
      output: a.item(),
      cost: cost.item(),
      gradW: this.w.grad!.item(),
      gradB: this.b.grad!.item(),
    });
    if (epoch < this.settings.epochs) noGrad(() => this.optimizer.step());
    return !this.done;
  }
}
