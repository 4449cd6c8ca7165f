/** The lessons' computations, without a browser: what the pages draw must match the books. */
import { describe, expect, it } from 'vitest';
import { adder, NAND, truthTable } from '../src/lessons/perceptron';
import { AutogradFit, HandGradientFit, initialParameters, makeData } from '../src/lessons/regression';
import { NeuronTrainer } from '../src/lessons/slowdown';
import {
  bumpNetwork,
  evaluate,
  evenBumps,
  Fitter,
  randomNetwork,
  stepPositions,
  target,
} from '../src/lessons/universality';

describe('perceptrons', () => {
  it('computes NAND with weights -2, -2 and bias 3, and adds two bits with NAND gates', () => {
    expect(truthTable(NAND).map((r) => r.output)).toEqual([1, 1, 1, 0]);
    expect(truthTable(NAND).map((r) => r.z)).toEqual([3, 1, 1, -1]);
    const a = adder(NAND);
    expect(Array.from(a.sum.dataSync())).toEqual([0, 1, 1, 0]);
    expect(Array.from(a.carry.dataSync())).toEqual([0, 0, 0, 1]);
  });

  it('approaches the step as a sigmoid neuron is scaled', () => {
    const soft = truthTable({ ...NAND, activation: 'sigmoid', scale: 1 }).map((r) => r.output);
    expect(soft[0]).toBeCloseTo(1 / (1 + Math.exp(-3)), 5);
    const sharp = truthTable({ ...NAND, activation: 'sigmoid', scale: 20 }).map((r) => r.output);
    for (const [i, v] of sharp.entries()) expect(Math.abs(v - [1, 1, 1, 0][i]!)).toBeLessThan(1e-6);
  });
});

describe('learning slowdown', () => {
  const run = (cost: 'quadratic' | 'cross-entropy', w: number, b: number, eta: number) => {
    const t = new NeuronTrainer({ cost, w, b, eta, epochs: 300 });
    while (t.step());
    return t.records;
  };

  it("starts at the book's outputs and records 301 states", () => {
    expect(run('quadratic', 0.6, 0.9, 0.15)[0]!.output).toBeCloseTo(0.82, 2);
    const records = run('quadratic', 2, 2, 0.15);
    expect(records[0]!.output).toBeCloseTo(0.98, 2);
    expect(records).toHaveLength(301);
  });

  it('learns slowly from a saturated neuron with the quadratic cost, not with cross-entropy', () => {
    const quadratic = run('quadratic', 2, 2, 0.15);
    const crossEntropy = run('cross-entropy', 2, 2, 0.15);
    expect(quadratic.at(-1)!.output).toBeGreaterThan(crossEntropy.at(-1)!.output);
    // The quadratic cost's gradient starts small (sigma'(4) ~ 0.018) and grows before it falls.
    expect(Math.abs(quadratic[0]!.gradW)).toBeLessThan(0.02);
    expect(Math.max(...quadratic.map((r) => Math.abs(r.gradW)))).toBeGreaterThan(0.05);
    // Cross-entropy's gradient is a - y: large at first.
    expect(crossEntropy[0]!.gradW).toBeCloseTo(crossEntropy[0]!.output, 5);
  });
});

describe('universality', () => {
  it('puts two steps at each bump edge and falls in error as bumps are added', () => {
    const p = bumpNetwork(evenBumps(4), 1000);
    expect(stepPositions(p).map((s) => Math.round(s * 100) / 100)).toEqual([
      0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1,
    ]);
    const errors = [1, 2, 5, 10, 20, 40].map(
      (n) => evaluate(bumpNetwork(evenBumps(n), 1000)).meanAbsoluteError,
    );
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(errors[i - 1]!);
    const mid = evaluate(bumpNetwork(evenBumps(10), 1000));
    expect(mid.ys[220]).toBeCloseTo(target(0.55), 2); // x = 0.55, the centre of bump 6
  });

  it('fits the target by SGD from random weights', () => {
    const start = randomNetwork(20, 1);
    const before = evaluate(start).meanAbsoluteError;
    const fit = new Fitter(start);
    for (let i = 0; i < 1500; i++) fit.step();
    const after = evaluate(fit.parameters()).meanAbsoluteError;
    expect(after).toBeLessThan(before / 2);
  });
});

describe('linear regression', () => {
  it('recovers w = 2 and b = 3, the same by hand and by autograd', () => {
    const data = makeData(100, 0.1, 42);
    const start = initialParameters(42);
    const hand = new HandGradientFit(data, start, 0.1);
    const auto = new AutogradFit(data, start, 0.1);
    for (let i = 0; i < 1000; i++) {
      hand.step();
      auto.step();
    }
    expect(hand.parameters.w).toBeCloseTo(2, 0);
    expect(Math.abs(hand.parameters.w - 2)).toBeLessThan(0.1);
    expect(Math.abs(hand.parameters.b - 3)).toBeLessThan(0.1);
    expect(Math.abs(auto.parameters.w - hand.parameters.w)).toBeLessThan(1e-4);
    expect(Math.abs(auto.parameters.b - hand.parameters.b)).toBeLessThan(1e-4);
    expect(hand.records.at(-1)!.loss).toBeLessThan(hand.records[0]!.loss);
  });
});
