import { Generator, manualSeed, noGrad, randn, type Tensor, tensor, zeros } from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  ReLU,
  Sequential,
  Sigmoid,
} from '../src/index.js';

class Net extends Module {
  fc1 = new Linear(4, 3);
  act = new ReLU();
  bn = new BatchNorm1d(3);
  fc2 = new Linear(3, 2);
  scale = new Parameter(tensor([1.5]));
  override forward(x: Tensor): Tensor {
    return this.fc2.call(this.bn.call(this.act.call(this.fc1.call(x)))).mul(this.scale);
  }
}

describe('Module registration', () => {
  it('finds parameters, buffers and children in field order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      'scale',
      'fc1.weight',
      'fc1.bias',
      'bn.weight',
      'bn.bias',
      'fc2.weight',
      'fc2.bias',
    ]);
    expect(net.namedBuffers().map(([k]) => k)).toEqual([
      'bn.runningMean',
      'bn.runningVar',
      'bn.numBatchesTracked',
    ]);
    expect(net.namedChildren().map(([k]) => k)).toEqual(['fc1', 'act', 'bn', 'fc2']);
    expect(net.namedModules().map(([k]) => k)).toEqual(['', 'fc1', 'act', 'bn', 'fc2']);
    expect(net.parameters()).toHaveLength(7);
    expect(net.children()).toHaveLength(4);
    expect(net.modules()).toHaveLength(5);
    expect(Object.keys(net.stateDict())).toEqual([
      'scale',
      'fc1.weight',
      'fc1.bias',
      'bn.weight',
      'bn.bias',
      'bn.runningMean',
      'bn.runningVar',
      'bn.numBatchesTracked',
      'fc2.weight',
      'fc2.bias',
    ]);
  });

  it('registers dynamic names, non-persistent buffers, and refuses plain arrays of modules', () => {
    const m = new Module();
    m.registerParameter('p', new Parameter(zeros([2])));
    m.registerBuffer('stat', zeros([2]));
    m.registerBuffer('cache', zeros([2]), { persistent: false });
    m.addModule('child', new Linear(2, 2));
    expect(m.buffers()).toHaveLength(2);
    expect(Object.keys(m.stateDict())).toEqual(['p', 'stat', 'child.weight', 'child.bias']);
    expect(() => m.registerBuffer('a.b', zeros([1]))).toThrow(/without "."/);
    expect(() => m.registerParameter('q', zeros([1]) as Parameter)).toThrow(/Parameter or null/);
    (m as unknown as { layers: Module[] }).layers = [new Linear(1, 1)];
    expect(() => m.parameters()).toThrow(/ModuleList/);
  });

  it('shares parameters once', () => {
    const fc = new Linear(2, 2);
    const seq = new Sequential(fc, fc);
    expect(seq.parameters()).toHaveLength(2);
  });

  it('prints the tree like PyTorch', () => {
    const seq = new Sequential(new Linear(784, 30), new Sigmoid());
    expect(seq.toString()).toBe(
      'Sequential(\n  (0): Linear(inFeatures=784, outFeatures=30, bias=true)\n  (1): Sigmoid()\n)',
    );
    expect(new Net().toString()).toContain('(bn): BatchNorm1d(3, eps=0.00001, momentum=0.1');
  });

  it('train/eval, apply, zeroGrad', () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.bn.training).toBe(true);
    const names: string[] = [];
    net.apply((m) => names.push(m.constructor.name));
    expect(names).toEqual(['Linear', 'ReLU', 'BatchNorm1d', 'Linear', 'Net']);
    net
      .call(randn([5, 4]))
      .sum()
      .backward();
    expect(net.fc1.weight.grad).not.toBeNull();
    net.zeroGrad(false);
    expect(Array.from(net.fc1.weight.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    net.zeroGrad();
    expect(net.fc1.weight.grad).toBeNull();
  });

  it('to(dtype) converts floating tensors and keeps parameter identity', () => {
    const net = new Net();
    const weight = net.fc1.weight;
    net.to('float64');
    expect(net.fc1.weight).toBe(weight);
    expect(weight.dtype).toBe('float64');
    expect(net.bn.runningMean!.dtype).toBe('float64');
    expect(net.bn.numBatchesTracked!.dtype).toBe('int32');
    expect(net.call(randn([3, 4], { dtype: 'float64' })).dtype).toBe('float64');
    net.to('cpu');
  });
});

describe('Module state dict', () => {
  it('round-trips and loads in place', () => {
    manualSeed(1);
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    const x = randn([4, 4]);
    a.eval();
    b.eval();
    assertClose(b.call(x), a.call(x), { atol: 0, rtol: 0 });
  });

  it('reports every missing, unexpected and mismatched key at once when strict', () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd['fc1.bias'];
    delete sd.scale;
    sd.extra = zeros([1]);
    sd['fc2.weight'] = zeros([3, 3]);
    sd['bn.numBatchesTracked'] = zeros([]);
    let message = '';
    try {
      net.loadStateDict(sd);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Missing key(s) in stateDict: "scale", "fc1.bias"');
    expect(message).toContain('Unexpected key(s) in stateDict: "extra"');
    expect(message).toContain('fc2.weight: copying a tensor with shape [3, 3], dtype float32');
    expect(message).toContain('bn.numBatchesTracked: copying a tensor with shape [], dtype float32');
  });

  it('returns the problems and loads the rest when not strict', () => {
    const net = new Net();
    const sd = { 'fc1.bias': tensor([1, 2, 3], { dtype: 'float32' }), bogus: zeros([1]) };
    const result = net.loadStateDict(sd, { strict: false });
    expect(result.unexpectedKeys).toEqual(['bogus']);
    expect(result.missingKeys).toHaveLength(9);
    expect(Array.from(net.fc1.bias!.dataSync())).toEqual([1, 2, 3]);
  });
});

describe('hooks', () => {
  it('forward pre-hooks and forward hooks can replace values and be removed', () => {
    const fc = new Linear(2, 2);
    const calls: string[] = [];
    const pre = fc.registerForwardPreHook((_m, [x]) => {
      calls.push('pre');
      return [x.mul(0)];
    });
    const post = fc.registerForwardHook((_m, _in, out) => {
      calls.push('post');
      return out.add(1);
    });
    const y = fc.call(randn([1, 2]));
    assertClose(y, fc.bias!.add(1).reshape([1, 2]));
    expect(calls).toEqual(['pre', 'post']);
    pre.remove();
    post.remove();
    fc.call(randn([1, 2]));
    expect(calls).toHaveLength(2);
  });

  it('full backward hooks see the gradients of the output and of the input', () => {
    const fc = new Linear(3, 2, { dtype: 'float64', generator: new Generator(0) });
    const x = randn([4, 3], { dtype: 'float64', requiresGrad: true });
    const seen: { gIn: Tensor; gOut: Tensor }[] = [];
    const handle = fc.registerFullBackwardHook((_m, gIn, gOut) => {
      seen.push({ gIn: gIn[0]!, gOut: gOut[0]! });
    });
    const y = fc.call(x);
    const upstream = randn([4, 2], { dtype: 'float64' });
    y.backward(upstream);
    expect(seen).toHaveLength(1);
    assertClose(seen[0]!.gOut, upstream, { atol: 1e-12 });
    // d(x W^T)/dx applied to g is g W.
    assertClose(seen[0]!.gIn, upstream.matmul(fc.weight), { atol: 1e-12 });
    assertClose(x.grad!, upstream.matmul(fc.weight), { atol: 1e-12 });
    handle.remove();
    fc.call(x).sum().backward();
    expect(seen).toHaveLength(1);
  });

  it('a backward hook can replace gradInput; with inputs that need no grad it gets [null]', () => {
    const fc = new Linear(2, 2, { dtype: 'float64' });
    const x = randn([1, 2], { dtype: 'float64', requiresGrad: true });
    fc.registerFullBackwardHook((_m, gIn) => [gIn[0]!.mul(0)]);
    fc.call(x).sum().backward();
    assertClose(x.grad!, [[0, 0]]);
    const other = new Linear(2, 2);
    let got: (Tensor | null)[] = [];
    other.registerFullBackwardHook((_m, gIn, gOut) => {
      got = [...gIn, ...gOut];
    });
    other
      .call(randn([1, 2]))
      .sum()
      .backward();
    expect(got[0]).toBeNull();
    expect(got[1]!.shape).toEqual([1, 2]);
  });
});

describe('containers', () => {
  it('Sequential from a list or named entries', () => {
    const named = new Sequential({ fc: new Linear(4, 2), act: new ReLU() });
    expect(named.namedChildren().map(([k]) => k)).toEqual(['fc', 'act']);
    expect(named.call(randn([3, 4])).shape).toEqual([3, 2]);
    const seq = new Sequential(new Linear(4, 3)).append(new ReLU());
    expect(seq.length).toBe(2);
    expect(seq.at(-1)).toBeInstanceOf(ReLU);
  });

  it('ModuleList registers its items and supports list operations', () => {
    const list = new ModuleList<Module>([new Linear(1, 1), new Linear(1, 1)]);
    list.append(new Linear(1, 1)).insert(0, new ReLU());
    expect(list.length).toBe(4);
    expect(list.at(0)).toBeInstanceOf(ReLU);
    expect(list.parameters()).toHaveLength(6);
    expect(Object.keys(list.stateDict())[0]).toBe('1.weight');
    for (const _ of list) {
      // iterable
    }
  });

  it('ModuleDict keeps named modules', () => {
    const dict = new ModuleDict({ digit: new Linear(2, 10), parity: new Linear(2, 2) });
    expect(dict.keys()).toEqual(['digit', 'parity']);
    expect(dict.get('parity')).toBeInstanceOf(Linear);
    dict.delete('digit');
    expect(dict.size).toBe(1);
    expect(Object.keys(dict.stateDict())).toEqual(['parity.weight', 'parity.bias']);
  });
});

describe('Parameter', () => {
  it('is a leaf that requires grad and shares storage', () => {
    const t = zeros([2]);
    const p = new Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    noGrad(() => p.add_(1));
    expect(Array.from(t.dataSync())).toEqual([1, 1]);
    expect(new Parameter(zeros([1]), false).requiresGrad).toBe(false);
  });
});
