import { Generator, manualSeed, noGrad, randn, type Tensor, tensor } from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';
import { Linear, loadCheckpoint, MSELoss, Parameter, saveCheckpoint } from '../src/index.js';
import {
  Adam,
  AdamW,
  ExponentialLR,
  NielsenSchedule,
  type Optimizer,
  ReduceLROnPlateau,
  RMSprop,
  SGD,
  StepLR,
} from '../src/optim/index.js';

const f64 = { dtype: 'float64' as const };

/** A parameter w and a fixed gradient g per step: the update rule is then easy to follow by hand. */
function runSteps(make: (p: Parameter[]) => Optimizer<{ lr: number }>, grads: number[][]): number[] {
  const w = new Parameter(tensor([1.0, -2.0], f64));
  const opt = make([w]);
  for (const g of grads) {
    w.grad = tensor(g, f64);
    opt.step();
  }
  return Array.from(w.dataSync());
}

const G1 = [0.5, -1.0];
const G2 = [0.25, 2.0];

describe('optimizers follow their documented update rules', () => {
  it('SGD plain, weight decay, momentum with dampening, nesterov', () => {
    assertClose(
      runSteps((p) => new SGD(p, { lr: 0.1 }), [G1]),
      [1 - 0.05, -2 + 0.1],
      { atol: 1e-15 },
    );
    const wd = runSteps((p) => new SGD(p, { lr: 0.1, weightDecay: 0.01 }), [G1]);
    assertClose(wd, [1 - 0.1 * (0.5 + 0.01), -2 - 0.1 * (-1 - 0.02)], { atol: 1e-15 });
    const mom = (w0: number, g1: number, g2: number, nesterov: boolean, dampening: number) => {
      let b = g1;
      let w = w0 - 0.1 * (nesterov ? g1 + 0.9 * b : b);
      b = 0.9 * b + (1 - dampening) * g2;
      w -= 0.1 * (nesterov ? g2 + 0.9 * b : b);
      return w;
    };
    assertClose(
      runSteps((p) => new SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.3 }), [G1, G2]),
      [mom(1, 0.5, 0.25, false, 0.3), mom(-2, -1, 2, false, 0.3)],
      { atol: 1e-15 },
    );
    assertClose(
      runSteps((p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), [G1, G2]),
      [mom(1, 0.5, 0.25, true, 0), mom(-2, -1, 2, true, 0)],
      { atol: 1e-15 },
    );
  });

  it('Adam, AdamW and RMSprop', () => {
    const adam = (w: number, gs: number[], wd: number, decoupled: boolean) => {
      let m = 0;
      let v = 0;
      gs.forEach((g0, i) => {
        const t = i + 1;
        if (decoupled) w *= 1 - 0.01 * wd;
        const g = decoupled ? g0 : g0 + wd * w;
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        w -= ((0.01 / (1 - 0.9 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
      });
      return w;
    };
    assertClose(
      runSteps((p) => new Adam(p, { lr: 0.01 }), [G1, G2]),
      [adam(1, [0.5, 0.25], 0, false), adam(-2, [-1, 2], 0, false)],
      { atol: 1e-15 },
    );
    assertClose(
      runSteps((p) => new Adam(p, { lr: 0.01, weightDecay: 0.1 }), [G1, G2]),
      [adam(1, [0.5, 0.25], 0.1, false), adam(-2, [-1, 2], 0.1, false)],
      { atol: 1e-15 },
    );
    assertClose(
      runSteps((p) => new AdamW(p, { lr: 0.01, weightDecay: 0.1 }), [G1, G2]),
      [adam(1, [0.5, 0.25], 0.1, true), adam(-2, [-1, 2], 0.1, true)],
      { atol: 1e-15 },
    );
    const rms = (w: number, gs: number[]) => {
      let s = 0;
      let b = 0;
      for (const g of gs) {
        s = 0.99 * s + 0.01 * g * g;
        b = 0.5 * b + g / (Math.sqrt(s) + 1e-8);
        w -= 0.01 * b;
      }
      return w;
    };
    assertClose(
      runSteps((p) => new RMSprop(p, { lr: 0.01, momentum: 0.5 }), [G1, G2]),
      [rms(1, [0.5, 0.25]), rms(-2, [-1, 2])],
      { atol: 1e-15 },
    );
  });

  it('validates arguments with PyTorch-like messages', () => {
    const p = [new Parameter(tensor([1.0], { dtype: 'float32' }))];
    expect(() => new SGD(p, { lr: -1 })).toThrow('Invalid learning rate: -1');
    expect(() => new SGD(p, { lr: 0.1, momentum: -1 })).toThrow('Invalid momentum value: -1');
    expect(() => new SGD(p, { lr: 0.1, nesterov: true })).toThrow(
      'Nesterov momentum requires a momentum and zero dampening',
    );
    expect(() => new Adam(p, { betas: [1.0, 0.9] })).toThrow('Invalid beta parameter at index 0: 1');
    expect(() => new Adam(p, { eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(() => new RMSprop(p, { weightDecay: -0.1 })).toThrow('Invalid weightDecay value: -0.1');
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
  });

  it('param groups keep their own options', () => {
    const a = new Parameter(tensor([1.0], f64));
    const b = new Parameter(tensor([1.0], f64));
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = tensor([1.0], f64);
    b.grad = tensor([1.0], f64);
    opt.step();
    assertClose(a, [0.9], { atol: 1e-15 });
    assertClose(b, [0.5], { atol: 1e-15 });
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
  });
});

describe('optimizers converge and resume exactly', () => {
  const makers: [string, (p: Parameter[]) => Optimizer<{ lr: number }>][] = [
    ['SGD', (p) => new SGD(p, { lr: 0.1, momentum: 0.9 })],
    ['Adam', (p) => new Adam(p, { lr: 0.05 })],
    ['AdamW', (p) => new AdamW(p, { lr: 0.05, weightDecay: 0.001 })],
    ['RMSprop', (p) => new RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
  ];

  for (const [name, make] of makers) {
    it(`${name}: a linear regression converges; stateDict resumes bit for bit`, () => {
      manualSeed(3);
      const x = randn([64, 3]);
      const y = x.matmul(tensor([[2.0], [-1.0], [0.5]])).add(0.3);
      const lossFn = new MSELoss();
      const train = (model: Linear, opt: Optimizer<{ lr: number }>, steps: number) => {
        let loss = 0;
        for (let i = 0; i < steps; i++) {
          opt.zeroGrad();
          const l = lossFn.call(model.call(x), y);
          l.backward();
          opt.step();
          loss = l.item();
        }
        return loss;
      };
      const model = new Linear(3, 1, { generator: new Generator(1) });
      const opt = make(model.parameters());
      const first = lossFn.call(model.call(x), y).item();
      train(model, opt, 5);
      // Resume through the checkpoint bytes, as a real run would.
      const bytes = saveCheckpoint({ model: model.stateDict(), optimizer: opt.stateDict() });
      const restored = loadCheckpoint(bytes);
      const model2 = new Linear(3, 1, { generator: new Generator(99) });
      model2.loadStateDict(restored.model);
      const opt2 = make(model2.parameters());
      opt2.loadStateDict(restored.optimizer!);
      train(model, opt, 5);
      train(model2, opt2, 5);
      assertClose(model2.weight, model.weight, { atol: 0, rtol: 0 });
      assertClose(model2.bias!, model.bias!, { atol: 0, rtol: 0 });
      const final = train(model, opt, 200);
      expect(final).toBeLessThan(first * 0.01);
    });
  }
});

describe('schedulers', () => {
  const opt = () => new SGD([new Parameter(tensor([1.0], { dtype: 'float32' }))], { lr: 1.0 });

  it('StepLR and ExponentialLR', () => {
    const o = opt();
    const step = new StepLR(o, { stepSize: 2, gamma: 0.5 });
    const lrs = [o.paramGroups[0]!.lr];
    for (let i = 0; i < 5; i++) {
      step.step();
      lrs.push(step.getLastLr()[0]!);
    }
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    const o2 = opt();
    const exp = new ExponentialLR(o2, { gamma: 0.9 });
    exp.step();
    exp.step();
    expect(o2.paramGroups[0]!.lr).toBeCloseTo(0.81, 12);
  });

  it('ReduceLROnPlateau', () => {
    const o = opt();
    const s = new ReduceLROnPlateau(o, { mode: 'min', patience: 2, factor: 0.1 });
    for (const metric of [1, 0.5, 0.6, 0.6, 0.6]) s.step(metric);
    expect(o.paramGroups[0]!.lr).toBeCloseTo(0.1, 12);
  });

  it("Nielsen's schedule halves after `patience` epochs without improvement and stops at eta/128", () => {
    const o = new SGD([new Parameter(tensor([1.0], { dtype: 'float32' }))], { lr: 3.0 });
    const s = new NielsenSchedule(o, { patience: 3 });
    s.step(0.9);
    s.step(0.95);
    expect(s.step(0.94)).toBe(false);
    s.step(0.93);
    expect(s.step(0.95)).toBe(true);
    expect(o.paramGroups[0]!.lr).toBe(1.5);
    let epochs = 0;
    while (!s.done && epochs < 1000) {
      s.step(0.5);
      epochs++;
    }
    expect(s.done).toBe(true);
    expect(s.shouldStop()).toBe(true);
    expect(o.paramGroups[0]!.lr).toBe(3 / 128);
    expect(s.reductions).toBe(7);
    expect(epochs).toBe(18);
  });
});

describe('updates are in place and allocation-light', () => {
  it('keep the parameter objects and storage, bump the version', () => {
    const fc = new Linear(3, 2);
    const storage = fc.weight.dataSync();
    const version = fc.weight._version.value;
    const opt = new Adam(fc.parameters());
    fc.call(randn([4, 3]))
      .sum()
      .backward();
    opt.step();
    expect(fc.weight.dataSync()).toBe(storage);
    expect(fc.weight._version.value).toBe(version + 1);
    noGrad(() => expect(fc.weight.requiresGrad).toBe(true));
    const t: Tensor = fc.weight;
    expect(t.isLeaf).toBe(true);
  });
});
