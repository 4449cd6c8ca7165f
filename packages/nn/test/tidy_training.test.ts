// Training steps inside tidy() (as the engine's Trainer runs them) recycle the step's arrays for the next step
// (@nndl/tensor's storage pool). They must give exactly the numbers of steps without tidy: any array recycled while
// something still used it would change them.
import {
  cachedBytes,
  emptyCache,
  Generator,
  getBackend,
  randint,
  randn,
  setConvWinograd,
  type Tensor,
  tidy,
} from '@nndl/tensor';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  CrossEntropyLoss,
  Flatten,
  Linear,
  type Module,
  type Parameter,
  ReLU,
  Sequential,
} from '../src/index.js';
import { chapter6Net } from '../src/models/index.js';
import { Adam, type Optimizer, SGD } from '../src/optim/index.js';

type Step = () => number;

function train(
  makeNet: () => Module,
  makeOpt: (net: Module) => Optimizer<{ lr: number }>,
  inputShape: number[],
  tidySteps: boolean,
  pin = tidySteps,
): number[][] {
  emptyCache();
  const net = makeNet();
  // Pinned parameters (wasm memory where the CPU backend has it), as the engine's Trainer runs them.
  if (pin) {
    const before = net.parameters();
    net.pinMemory();
    for (const [i, p] of net.parameters().entries()) expect(p).toBe(before[i]);
    const shared = (getBackend('cpu') as unknown as { arena: { shared: boolean } | null }).arena?.shared;
    // Float32 parameters of 256 elements or more are pinned where the kernels' memory is shared; pinning again
    // leaves them where they are.
    for (const p of net.parameters())
      expect(p.isPinned()).toBe(!!shared && p.dtype === 'float32' && p.numel() >= 256);
    const handles = net.parameters().map((p) => p.handle);
    net.pinMemory();
    for (const [i, p] of net.parameters().entries()) expect(p.handle).toBe(handles[i]);
  }
  const opt = makeOpt(net);
  const g = new Generator(7);
  const batches = Array.from({ length: 3 }, () => ({
    x: randn(inputShape, { generator: g }),
    y: randint(0, 10, [inputShape[0]!], { generator: g }),
  }));
  const lossFn = new CrossEntropyLoss();
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const step: Step = () => {
      const { x, y } = batches[i % batches.length]!;
      opt.zeroGrad();
      const loss = lossFn.call(net.call(x) as Tensor, y) as Tensor;
      loss.backward();
      opt.step();
      return loss.item();
    };
    losses.push(tidySteps ? tidy(step) : step());
    if (tidySteps && i === 0) expect(cachedBytes()).toBeGreaterThan(0);
  }
  return [losses, ...net.parameters().map((p) => Array.from(p.dataSync()))];
}

describe('training steps in tidy', () => {
  it("Nielsen's two-conv net with SGD: the same losses and parameters as without tidy", () => {
    const make = () => chapter6Net('twoConv', { generator: new Generator(1) });
    const opt = (net: Module) => new SGD(net.parameters(), { lr: 0.1 });
    expect(train(make, opt, [10, 1, 28, 28], true)).toEqual(train(make, opt, [10, 1, 28, 28], false));
  });

  it('a conv net with batch norm, SGD with momentum and weight decay, and Adam: the same numbers', () => {
    const make = () =>
      new Sequential(
        new Conv2d(1, 8, 3, { generator: new Generator(2) }),
        new BatchNorm2d(8),
        new ReLU(),
        new Flatten(),
        new Linear(8 * 10 * 10, 10, { generator: new Generator(3) }),
      );
    const sgd = (net: Module) =>
      new SGD(net.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true });
    const adam = (net: Module) => new Adam(net.parameters(), { lr: 1e-3 });
    for (const opt of [sgd, adam]) {
      expect(train(make, opt, [16, 1, 12, 12], true)).toEqual(train(make, opt, [16, 1, 12, 12], false));
    }
  });

  it("Nielsen's two-conv net trains alike with the second layer's Winograd convolutions on and off", () => {
    const make = () => chapter6Net('twoConv', { generator: new Generator(1) });
    const opt = (net: Module) => new SGD(net.parameters(), { lr: 0.1 });
    const previous = setConvWinograd(false);
    try {
      const direct = train(make, opt, [10, 1, 28, 28], true);
      setConvWinograd(true);
      const winograd = train(make, opt, [10, 1, 28, 28], true);
      // Six steps of different rounding: the losses and parameters stay within float32 noise of each other.
      for (const [i, values] of direct.entries()) {
        const scale = Math.max(1, ...values.map(Math.abs));
        const worst = Math.max(...values.map((v, j) => Math.abs(v - winograd[i]![j]!)));
        expect(worst).toBeLessThan(1e-4 * scale);
      }
      // On the wasm kernels the paths differ in their last bits (with the TypeScript kernels the switch does nothing).
      const wasm = getBackend('cpu').kernels.get('Conv2D')?.variant === 'wasm-simd';
      if (wasm) expect(winograd).not.toEqual(direct);
    } finally {
      setConvWinograd(previous);
    }
  });

  it('pinned parameters without tidy: the same numbers as plain ones', () => {
    const make = () => chapter6Net('twoConv', { generator: new Generator(1) });
    const opt = (net: Module) => new SGD(net.parameters(), { lr: 0.1, momentum: 0.5 });
    expect(train(make, opt, [10, 1, 28, 28], false, true)).toEqual(train(make, opt, [10, 1, 28, 28], false));
  });

  it('optimizer state and batch-norm statistics survive the steps that created them', () => {
    const net = new Sequential(new Conv2d(1, 4, 3, { generator: new Generator(4) }), new BatchNorm2d(4));
    const opt = new Adam(net.parameters(), { lr: 1e-3 });
    const x = randn([8, 1, 10, 10], { generator: new Generator(5) });
    for (let i = 0; i < 2; i++) {
      tidy(() => {
        opt.zeroGrad();
        (net.call(x) as Tensor).square().mean().backward();
        opt.step();
      });
    }
    for (const p of net.parameters()) {
      const state = opt.state.get(p)!;
      expect(state.expAvg).toBeDefined();
      expect((state.expAvg as Tensor).isDisposed).toBe(false);
      expect((state.expAvgSq as Tensor).isDisposed).toBe(false);
    }
    const bn = net.children()[1] as BatchNorm2d;
    expect(bn.runningMean!.isDisposed).toBe(false);
    for (const p of net.parameters()) expect(p.isDisposed).toBe(false);
  });

  it('a model built and pinned inside tidy keeps its parameters and batch-norm statistics', () => {
    const net = tidy(() => new Sequential(new Linear(32, 16), new BatchNorm1d(16)).pinMemory());
    const [linear, bn] = net.children() as [Linear, BatchNorm1d];
    const before = Array.from(linear.weight.dataSync());
    // The next scoped tensors of the same sizes must not take the parameters' storage.
    tidy(() => {
      for (let i = 0; i < 4; i++) randn([16, 32]).mul(7).add(1);
    });
    expect(Array.from(linear.weight.dataSync())).toEqual(before);
    expect(bn.runningMean!.isDisposed).toBe(false);
    net.call(randn([8, 32]));
    expect(bn.runningMean!.isDisposed).toBe(false);
    // to() inside tidy converts buffers too, and keeps them.
    tidy(() => net.to('float64'));
    expect(bn.runningMean!.dtype).toBe('float64');
    expect(bn.runningMean!.isDisposed).toBe(false);
    expect(linear.weight.dtype).toBe('float64');
    net.call(randn([8, 32], { dtype: 'float64' }));
  });

  it('Adam and SGD with momentum in tidy keep the kernels memory flat; zeroGrad(false) after the step gives null', () => {
    const arena = (getBackend('cpu') as unknown as { arena: { memoryBytes(): number } | null }).arena;
    for (const make of [
      (p: Parameter[]) => new Adam(p, { lr: 1e-3 }),
      (p: Parameter[]) => new SGD(p, { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 }),
    ]) {
      const net = new Sequential(
        new Linear(256, 256, { generator: new Generator(1) }),
        new ReLU(),
        new Linear(256, 10),
      );
      net.pinMemory();
      const opt = make(net.parameters());
      const x = randn([32, 256], { generator: new Generator(2) });
      const y = randint(0, 10, [32], { generator: new Generator(3) });
      const loss = new CrossEntropyLoss();
      const step = () =>
        tidy(() => {
          opt.zeroGrad();
          const l = loss.call(net.call(x) as Tensor, y) as Tensor;
          l.backward();
          opt.step();
          return l.item();
        });
      for (let i = 0; i < 5; i++) step();
      const settled = arena?.memoryBytes() ?? 0;
      for (let i = 0; i < 150; i++) step();
      expect(arena?.memoryBytes() ?? 0).toBe(settled);
      // The gradients were disposed with the step's scope: zeroGrad(false) must not write zeros into freed storage.
      opt.zeroGrad(false);
      for (const p of net.parameters()) expect(p.grad).toBeNull();
    }
  });
});
