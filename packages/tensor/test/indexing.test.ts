import { gather, indexSelect, manualSeed, oneHot, scatter, tensor } from '@nndl/tensor';
import { assertClose, gradcheck } from '@nndl/tensor/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { f64 } from './helpers.js';

beforeEach(() => manualSeed(9));
const idx = (v: number[] | number[][]) => tensor(v, { dtype: 'int32' });

describe('indexing', () => {
  const x = () =>
    tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).float();

  it('indexSelect', () => {
    assertClose(x().indexSelect(1, idx([2, 0, 2])), [
      [3, 1, 3],
      [6, 4, 6],
    ]);
    assertClose(indexSelect(x(), 0, idx([1])), [[4, 5, 6]]);
    expect(() => x().indexSelect(0, idx([2]))).toThrow(
      /indexSelect: index 2 is out of bounds for dimension with size 2/,
    );
    expect(() => x().indexSelect(0, tensor([0]).float())).toThrow(/index must be an int32 tensor/);
  });

  it('gather, scatter, scatterAdd', () => {
    assertClose(
      gather(
        x(),
        1,
        idx([
          [0, 0],
          [2, 1],
        ]),
      ),
      [
        [1, 1],
        [6, 5],
      ],
    );
    assertClose(x().scatter(1, idx([[2], [0]]), 0), [
      [1, 2, 0],
      [0, 5, 6],
    ]);
    assertClose(scatter(x(), 0, idx([[1, 0, 1]]), tensor([[10, 20, 30]]).float()), [
      [1, 20, 3],
      [10, 5, 30],
    ]);
    assertClose(
      x().scatterAdd(
        1,
        idx([
          [0, 0],
          [1, 1],
        ]),
        tensor([
          [1, 1],
          [1, 1],
        ]).float(),
      ),
      [
        [3, 2, 3],
        [4, 7, 6],
      ],
    );
  });

  it('maskedFill and oneHot', () => {
    assertClose(x().maskedFill(x().gt(4), -1), [
      [1, 2, 3],
      [4, -1, -1],
    ]);
    assertClose(x().maskedFill(tensor([true, false, true]), 0), [
      [0, 2, 0],
      [0, 5, 0],
    ]);
    expect(oneHot(idx([0, 2, 1]), 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(oneHot(idx([0, 2])).shape).toEqual([2, 3]);
    expect(oneHot(idx([1]), 2, 'float32').dtype).toBe('float32');
    expect(() => oneHot(idx([3]), 3)).toThrow(/oneHot: class value 3 is outside \[0, 2\]/);
  });

  it('gradients', () => {
    gradcheck((t) => t.indexSelect(0, idx([2, 0, 2])), [f64([3, 2])]);
    gradcheck(
      (t) =>
        t.gather(
          1,
          idx([
            [0, 0, 1],
            [2, 1, 1],
          ]),
        ),
      [f64([2, 3])],
    );
    gradcheck((t, s) => t.scatter(1, idx([[2], [0]]), s), [f64([2, 3]), f64([2, 1])]);
    gradcheck(
      (t, s) =>
        t.scatterAdd(
          0,
          idx([
            [1, 0, 1],
            [1, 1, 0],
          ]),
          s,
        ),
      [f64([2, 3]), f64([2, 3])],
    );
    gradcheck((t) => t.maskedFill(t.gt(0), 0.5), [f64([3, 3])]);
  });
});
