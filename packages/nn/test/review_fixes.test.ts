import { manualSeed, ones, tensor } from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';
import { Linear, ModuleList, ReLU, Sequential } from '../src/index.js';
import { ReduceLROnPlateau, SGD } from '../src/optim/index.js';

describe('containers keep repeated modules', () => {
  it('Sequential runs a module placed twice twice, and saves both names as PyTorch', () => {
    manualSeed(1);
    const relu = new ReLU();
    const seq = new Sequential(new Linear(2, 2), relu, new Linear(2, 2), relu, new Linear(2, 1));
    expect(seq.length).toBe(5);
    const l = new Linear(2, 2);
    const twice = new Sequential(l, l);
    const x = tensor([[1, -2]]).float();
    assertClose(twice.call(x), l.call(l.call(x)));
    expect(Object.keys(twice.stateDict()).sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.weight']);
    twice.loadStateDict(twice.stateDict());
    expect(twice.parameters()).toHaveLength(2);
  });

  it('ModuleList keeps every position', () => {
    const l = new Linear(2, 2);
    const relu = new ReLU();
    const list = new ModuleList([l, l, relu]);
    expect(list.length).toBe(3);
    expect(list.at(1)).toBe(l);
    expect(list.at(2)).toBe(relu);
  });
});

describe('ReduceLROnPlateau state survives JSON', () => {
  it('restores the initial best (Infinity) saved before the first step', () => {
    const p = ones([1]).requiresGrad_(true);
    const make = () => {
      const opt = new SGD([p], { lr: 0.1 });
      return { opt, sched: new ReduceLROnPlateau(opt, { patience: 0, factor: 0.1 }) };
    };
    const a = make();
    const saved = JSON.parse(JSON.stringify(a.sched.stateDict()));
    const b = make();
    b.sched.loadStateDict(saved);
    b.sched.step(5);
    b.sched.step(5);
    expect(b.opt.paramGroups[0]!.lr).toBeCloseTo(0.01, 10);
  });
});
