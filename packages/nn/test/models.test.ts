import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, manualSeed, noGrad, randint, randn } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from '../src/index.js';
import { ConvPoolLayer, chapter6Net, LeNet, NielsenNetwork, ResNet34 } from '../src/models/index.js';
import { Adam } from '../src/optim/index.js';

describe('NielsenNetwork', () => {
  it('builds network.py / network2.py as layers', () => {
    const net = new NielsenNetwork([784, 30, 10]);
    expect(net.call(randn([10, 784])).shape).toEqual([10, 10]);
    expect(net.parameters().map((p) => p.shape)).toEqual([[30, 784], [30], [10, 30], [10]]);
    expect(net.toString()).toContain('(0): Linear(inFeatures=784, outFeatures=30, bias=true)');
    expect(() => new NielsenNetwork([784])).toThrow(/at least two/);
  });
});

describe("network3's chapter-6 nets", () => {
  it('have the book shapes', () => {
    const x = randn([2, 784]);
    const shapes = {
      shallow: [[784, 100], [100], [100, 10], [10]],
      oneConv: [[20, 1, 5, 5], [20], [2880, 100], [100], [100, 10], [10]],
      twoConv: [[20, 1, 5, 5], [20], [40, 20, 5, 5], [40], [640, 100], [100], [100, 10], [10]],
    };
    for (const [name, expected] of Object.entries(shapes)) {
      const net = chapter6Net(name as keyof typeof shapes);
      expect(net.parameters().map((p) => p.shape)).toEqual(expected);
      expect(net.call(x).shape).toEqual([2, 10]);
    }
    const dropout = chapter6Net('dropout', { generator: new Generator(1) });
    expect(dropout.call(x).shape).toEqual([2, 10]);
    expect(dropout.parameters().map((p) => p.shape)[4]).toEqual([640, 1000]);
    expect(chapter6Net('twoConvReluTwoFc').parameters()).toHaveLength(10);
    expect(new ConvPoolLayer([20, 1, 5, 5]).call(randn([3, 1, 28, 28])).shape).toEqual([3, 20, 12, 12]);
  });

  it('dropout follows the book: training masks the input, eval scales by 1-p', () => {
    const net = chapter6Net('dropout', { generator: new Generator(2) });
    const x = randn([2, 1, 28, 28]);
    net.eval();
    const a = net.call(x).dataSync().slice();
    const b = net.call(x).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('LeNet', () => {
  it('shapes for CIFAR-10 and MNIST; trains with falling loss', () => {
    expect(new LeNet({ inChannels: 1, imageSize: 28 }).call(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    manualSeed(0);
    const net = new LeNet({ generator: new Generator(0) });
    const x = randn([16, 3, 32, 32]);
    const y = randint(0, 10, [16]);
    const lossFn = new CrossEntropyLoss();
    const opt = new Adam(net.parameters(), { lr: 0.003 });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) {
      opt.zeroGrad();
      const loss = lossFn.call(net.call(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.8);
  });
});

describe('ResNet34', () => {
  it('has stages of 3/4/6/3 blocks and maps 1x3x224x224 to 1x1000', () => {
    const net = new ResNet34({ generator: new Generator(0) });
    expect([net.layer1.length, net.layer2.length, net.layer3.length, net.layer4.length]).toEqual([
      3, 4, 6, 3,
    ]);
    const params = net.parameters().reduce((n, p) => n + p.numel(), 0);
    expect(params).toBe(21797672); // torchvision's resnet34 has 21,797,672 parameters
    net.eval();
    const out = noGrad(() => net.call(randn([1, 3, 224, 224])));
    expect(out.shape).toEqual([1, 1000]);
    expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
  }, 60_000);
});

describe('packaging', () => {
  it('the core stays browser-safe: no node: imports outside src/node.ts', () => {
    const root = join(import.meta.dirname, '../src');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      );
    const offenders = walk(root)
      .filter((f) => !f.endsWith('/node.ts'))
      .filter((f) => /from ['"]node:|require\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
