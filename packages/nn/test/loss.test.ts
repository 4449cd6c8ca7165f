import { randn, tensor } from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, F, MSELoss, NLLLoss } from '../src/index.js';

const f64 = { dtype: 'float64' as const };
const finite = (values: ArrayLike<number>) => Array.from(values).every(Number.isFinite);

describe('MSELoss and Nielsen quadratic cost', () => {
  const a = tensor(
    [
      [0.8, 0.1],
      [0.3, 0.6],
      [0.5, 0.5],
    ],
    f64,
  );
  const y = tensor(
    [
      [1, 0],
      [0, 1],
      [1, 0],
    ],
    f64,
  );
  // Squared errors by hand: row 0: 0.04 + 0.01; row 1: 0.09 + 0.16; row 2: 0.25 + 0.25.
  const sum = 0.04 + 0.01 + 0.09 + 0.16 + 0.25 + 0.25;

  it('reductions', () => {
    assertClose(new MSELoss().call(a, y), sum / 6, { atol: 1e-12 });
    assertClose(new MSELoss({ reduction: 'sum' }).call(a, y), sum, { atol: 1e-12 });
    expect(new MSELoss({ reduction: 'none' }).call(a, y).shape).toEqual([3, 2]);
    expect(() => new MSELoss({ reduction: 'avg' as never })).toThrow(/not a valid value for reduction/);
  });

  it("Nielsen's quadratic cost 1/(2n) sum ||y - a||^2, two ways", () => {
    const byHand = sum / (2 * 3);
    assertClose(F.nielsenQuadraticCost(a, y), byHand, { atol: 1e-12 });
    assertClose(new MSELoss({ reduction: 'sum' }).call(a, y).mul(1 / (2 * 3)), byHand, { atol: 1e-12 });
    const x = a.clone().requiresGrad_();
    F.nielsenQuadraticCost(x, y).backward();
    assertClose(x.grad!, a.sub(y).div(3), { atol: 1e-12 });
  });
});

describe('BCELoss and BCEWithLogitsLoss', () => {
  it('matches -(y log a + (1-y) log(1-a)) and is finite at 0 and 1', () => {
    const a = tensor([0.9, 0.2, 0.0, 1.0], f64);
    const y = tensor([1, 0, 1, 1], f64);
    const expected = [-Math.log(0.9), -Math.log(0.8), 100, 0];
    assertClose(new BCELoss({ reduction: 'none' }).call(a, y), expected, { atol: 1e-12 });
    const x = a.clone().requiresGrad_();
    new BCELoss().call(x, y).backward();
    expect(finite(x.grad!.dataSync())).toBe(true);
    const inner = tensor([0.3, 0.6, 0.9], { ...f64, requiresGrad: true });
    gradcheck((p) => F.binaryCrossEntropy(p, tensor([0, 1, 0.5], f64)), [inner]);
  });

  it("Nielsen's cross-entropy cost gives delta = a - y through a sigmoid", () => {
    const z = tensor([[0.5, -1.0]], { ...f64, requiresGrad: true });
    const y = tensor([[1, 0]], f64);
    F.nielsenCrossEntropyCost(z.sigmoid(), y).backward();
    assertClose(z.grad!, z.sigmoid().sub(y), { atol: 1e-12 });
  });

  it('with logits: stable at +-1000 and equal to BCE(sigmoid)', () => {
    const x = tensor([1000, -1000, 0.5, -2], { ...f64, requiresGrad: true });
    const y = tensor([0, 1, 1, 0], f64);
    const loss = new BCEWithLogitsLoss({ reduction: 'none' }).call(x, y);
    assertClose(loss.slice(0, 0, 2), [1000, 1000]);
    assertClose(
      loss.slice(0, 2),
      F.binaryCrossEntropy(x.slice(0, 2).sigmoid(), y.slice(0, 2), { reduction: 'none' }),
      { atol: 1e-12 },
    );
    loss.sum().backward();
    assertClose(x.grad!, x.sigmoid().sub(y), { atol: 1e-12 });
    gradcheck(
      (p) => F.binaryCrossEntropyWithLogits(p, tensor([0, 1, 0.3], f64)),
      [tensor([0.3, -1.2, 2], { ...f64, requiresGrad: true })],
    );
  });
});

describe('CrossEntropyLoss and NLLLoss', () => {
  const logits = tensor(
    [
      [2.0, 1.0, 0.1],
      [0.5, 2.5, 0.3],
    ],
    f64,
  );
  const labels = tensor([0, 2], { dtype: 'int32' });
  const logSoftmaxRow = (row: number[]) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  };
  const lp0 = logSoftmaxRow([2.0, 1.0, 0.1]);
  const lp1 = logSoftmaxRow([0.5, 2.5, 0.3]);

  it('from logits with class targets, against a hand computation', () => {
    assertClose(new CrossEntropyLoss().call(logits, labels), -(lp0[0]! + lp1[2]!) / 2, { atol: 1e-12 });
    assertClose(new NLLLoss().call(logits.logSoftmax(1), labels), -(lp0[0]! + lp1[2]!) / 2, { atol: 1e-12 });
    assertClose(new CrossEntropyLoss({ reduction: 'sum' }).call(logits, labels), -(lp0[0]! + lp1[2]!), {
      atol: 1e-12,
    });
    assertClose(F.crossEntropy(tensor([2.0, 1.0, 0.1], f64), tensor(0, { dtype: 'int32' })), -lp0[0]!, {
      atol: 1e-12,
    });
  });

  it('class weights and ignoreIndex', () => {
    const weight = tensor([0.2, 1, 3], f64);
    const expected = (-0.2 * lp0[0]! - 3 * lp1[2]!) / (0.2 + 3);
    assertClose(new CrossEntropyLoss({ weight }).call(logits, labels), expected, { atol: 1e-12 });
    const ignored = tensor([0, -100], { dtype: 'int32' });
    assertClose(new CrossEntropyLoss().call(logits, ignored), -lp0[0]!, { atol: 1e-12 });
    expect(() => F.crossEntropy(logits, tensor([0, 3], { dtype: 'int32' }))).toThrow(/out of bounds/);
  });

  it('label smoothing and probability targets', () => {
    const s = 0.1;
    const smooth = (lp: number[], y: number) => (1 - s) * -lp[y]! + (s / 3) * -lp.reduce((a, b) => a + b, 0);
    const expected = (smooth(lp0, 0) + smooth(lp1, 2)) / 2;
    assertClose(new CrossEntropyLoss({ labelSmoothing: s }).call(logits, labels), expected, { atol: 1e-12 });
    const probs = tensor(
      [
        [1, 0, 0],
        [0, 0, 1],
      ],
      f64,
    );
    assertClose(F.crossEntropy(logits, probs), -(lp0[0]! + lp1[2]!) / 2, { atol: 1e-12 });
    assertClose(F.crossEntropy(logits, probs, { labelSmoothing: s }), expected, { atol: 1e-12 });
  });

  it('no NaN for logits of +-1000, and correct gradients', () => {
    const big = tensor(
      [
        [1000, -1000, 0],
        [-1000, 1000, 1000],
      ],
      { ...f64, requiresGrad: true },
    );
    const loss = F.crossEntropy(big, tensor([1, 0], { dtype: 'int32' }));
    // Row 0: 1000 - (-1000); row 1: (1000 + ln 2) - (-1000).
    assertClose(loss, 2000 + Math.LN2 / 2, { atol: 1e-9 });
    loss.backward();
    expect(finite(big.grad!.dataSync())).toBe(true);
    const f32 = tensor([[1000, -1000]], { requiresGrad: true });
    const l32 = F.crossEntropy(f32, tensor([1], { dtype: 'int32' }));
    l32.backward();
    expect(Number.isFinite(l32.item()) && finite(f32.grad!.dataSync())).toBe(true);
    const x = randn([3, 4], { ...f64, requiresGrad: true });
    gradcheck((p) => F.crossEntropy(p, tensor([0, 3, 1], { dtype: 'int32' }), { labelSmoothing: 0.2 }), [x]);
    gradcheck((p) => F.nllLoss(p.logSoftmax(1), tensor([2, 3, 1], { dtype: 'int32' })), [x]);
  });
});
