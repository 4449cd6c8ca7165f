/**
 * Linear regression as the PyTorch book starts it: y = 2x + 3 + noise, fitted by batch gradient descent on the mean
 * squared error twice, once with the gradients written out by hand (dL/db = 2 mean(e), dL/dw = 2 mean(x e), e the
 * error) and once with autograd. Both start from the same random w and b, so their paths should agree to rounding.
 */
import { Generator, noGrad, rand, randn, type Tensor, tensor } from '@nndl/tensor';

export const TRUE_W = 2;
export const TRUE_B = 3;

export interface RegressionData {
  x: Tensor;
  y: Tensor;
  points: [number, number][];
}

/** n points with x ~ U(0, 1) and y = 2x + 3 + noise N(0, noise^2). */
export function makeData(n: number, noise: number, seed: number): RegressionData {
  const g = new Generator(seed);
  const x = rand([n, 1], { generator: g });
  const y = x
    .mul(TRUE_W)
    .add(TRUE_B)
    .add(randn([n, 1], { generator: g }).mul(noise));
  const xs = x.dataSync();
  const ys = y.dataSync();
  return { x, y, points: Array.from(xs, (xi, i) => [xi, ys[i]!] as [number, number]) };
}

/** The starting point both fits share: w and b drawn from N(0, 1), as the book does. */
export function initialParameters(seed: number): { w: number; b: number } {
  const g = new Generator(seed + 1000);
  const [b, w] = randn([2], { generator: g }).dataSync();
  return { w: w!, b: b! };
}

export interface FitRecord {
  epoch: number;
  w: number;
  b: number;
  loss: number;
}

/** One way of fitting: `step()` takes one gradient-descent step on the whole data set and records the loss. */
export interface RegressionFit {
  readonly records: FitRecord[];
  /** w and b now (after the last step). */
  readonly parameters: { w: number; b: number };
  step(): void;
}

/** Gradients written by hand, with tensor arithmetic and no autograd. */
export class HandGradientFit implements RegressionFit {
  readonly records: FitRecord[] = [];
  private w: Tensor;
  private b: Tensor;

  constructor(
    private readonly data: RegressionData,
    start: { w: number; b: number },
    private readonly lr: number,
  ) {
    this.w = tensor([start.w], { dtype: 'float32' });
    this.b = tensor([start.b], { dtype: 'float32' });
  }

  get parameters() {
    return { w: this.w.item(), b: this.b.item() };
  }

  step(): void {
    const { x, y } = this.data;
    const error = x.mul(this.w).add(this.b).sub(y);
    const loss = error.square().mean();
    const gradB = error.mean().mul(2);
    const gradW = x.mul(error).mean().mul(2);
    this.records.push({ epoch: this.records.length, w: this.w.item(), b: this.b.item(), loss: loss.item() });
    this.w = this.w.sub(gradW.mul(this.lr));
    this.b = this.b.sub(gradB.mul(this.lr));
  }
}

/** The same step with autograd: loss.backward() fills w.grad and b.grad. */
export class AutogradFit implements RegressionFit {
  readonly records: FitRecord[] = [];
  private readonly w: Tensor;
  private readonly b: Tensor;

  constructor(
    private readonly data: RegressionData,
    start: { w: number; b: number },
    private readonly lr: number,
  ) {
    this.w = tensor([start.w], { dtype: 'float32', requiresGrad: true });
    this.b = tensor([start.b], { dtype: 'float32', requiresGrad: true });
  }

  get parameters() {
    return { w: this.w.item(), b: this.b.item() };
  }

  step(): void {
    const { x, y } = this.data;
    const loss = x.mul(this.w).add(this.b).sub(y).square().mean();
    loss.backward();
    this.records.push({ epoch: this.records.length, w: this.w.item(), b: this.b.item(), loss: loss.item() });
    noGrad(() => {
      this.w.sub_(this.w.grad!.mul(this.lr));
      this.b.sub_(this.b.grad!.mul(this.lr));
    });
    this.w.grad = null;
    this.b.grad = null;
  }
}
