/** Elementwise ops with broadcasting, each with its backward beside it. */
import { isGradEnabled } from '../autograd/grad_mode.js';
import { needsGrad, record } from '../autograd/node.js';
import { type DType, isFloating } from '../dtype.js';
import * as K from '../kernel_names.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { binaryOperands, type Operand, runKernel } from './kernel.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';

// ---- helpers ----------------------------------------------------------------------------------------------------

/** Sum a broadcast gradient back down to `shape` (the backward of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length > 0 && !isGradEnabled()) {
    // A plain backward: one Sum whose fresh result has the target shape (a reshaped view would have to be cloned
    // before it could become a .grad).
    return runKernel(K.Sum, [g], { axes, keepDims: false }, undefined, shape);
  }
  // Through the differentiable sum and reshape, so that higher-order gradients (createGraph) see it.
  const out = axes.length > 0 ? sum(g, axes, true) : g;
  return shapesEqual(out.shape, shape) ? out : reshape(out, shape);
}

/** Integer and bool inputs of floating ops (exp, log, ...) compute in float32, as in PyTorch. */
function floatInput(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : cast(x, 'float32');
}

// ---- conversion -------------------------------------------------------------------------------------------------

/** Convert to `dtype`; differentiable between floating types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = runKernel(K.Cast, [x], { dtype });
  if (isFloating(dtype) && isFloating(x.dtype) && needsGrad(x)) {
    const from = x.dtype;
    record('ToCopyBackward', [x], out, (g) => [cast(g, from)], []);
  }
  return out;
}

// ---- binary arithmetic ------------------------------------------------------------------------------------------

/** a + alpha * b, broadcast. */
export function add(a: Operand, b: Operand, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) b = mul(b as Tensor, alpha);
  const [x, y] = binaryOperands(a, b, 'add');
  const out = runKernel(K.Add, [x, y]);
  if (needsGrad(x, y)) {
    record(
      'AddBackward',
      [x, y],
      out,
      (g, need) => [need[0] ? sumTo(g, x.shape) : null, need[1] ? sumTo(g, y.shape) : null],
      [],
    );
  }
  return out;
}

/** a - alpha * b, broadcast. */
export function sub(a: Operand, b: Operand, alpha?: number): Tensor {
  if (alpha !== undefined && alpha !== 1) b = mul(b as Tensor, alpha);
  const [x, y] = binaryOperands(a, b, 'sub');
  const out = runKernel(K.Sub, [x, y]);
  if (needsGrad(x, y)) {
    record(
      'SubBackward',
      [x, y],
      out,
      (g, need) => [need[0] ? sumTo(g, x.shape) : null, need[1] ? sumTo(neg(g), y.shape) : null],
      [],
    );
  }
  return out;
}

export function mul(a: Operand, b: Operand): Tensor {
  const [x, y] = binaryOperands(a, b, 'mul');
  const out = runKernel(K.Mul, [x, y]);
  if (needsGrad(x, y)) {
    record('MulBackward', [x, y], out, (g, need) => [
      need[0] ? sumTo(mul(g, y), x.shape) : null,
      need[1] ? sumTo(mul(g, x), y.shape) : null,
    ]);
  }
  return out;
}

/** True division: integer inputs give a float32 result. */
export function div(a: Operand, b: Operand): Tensor {
  let [x, y] = binaryOperands(a, b, 'div');
  if (!isFloating(x.dtype)) {
    x = cast(x, 'float32');
    y = cast(y, 'float32');
  }
  const out = runKernel(K.Div, [x, y]);
  if (needsGrad(x, y)) {
    record('DivBackward', [x, y], out, (g, need) => [
      need[0] ? sumTo(div(g, y), x.shape) : null,
      need[1] ? sumTo(neg(mul(g, div(x, mul(y, y)))), y.shape) : null,
    ]);
  }
  return out;
}

/** x ** exponent. d/dx = exponent * x^(exponent-1); d/dexponent = x^exponent * log(x). */
export function pow(a: Operand, exponent: Operand): Tensor {
  const [x, y] = binaryOperands(a, exponent, 'pow');
  const out = runKernel(K.Pow, [x, y]);
  if (needsGrad(x, y)) {
    record(
      'PowBackward',
      [x, y],
      out,
      (g, need) => [
        need[0] ? sumTo(mul(g, mul(y, pow(x, sub(y, 1)))), x.shape) : null,
        // x^y log x is taken as 0 where x = 0 (the limit for y > 0), as PyTorch does.
        need[1] ? sumTo(mul(g, where(eq(x, 0), 0, mul(out, log(x)))), y.shape) : null,
      ],
      [x, y, out],
    );
  }
  return out;
}

function minMax(kernel: string, name: string, a: Tensor, b: Operand): Tensor {
  const [x, y] = binaryOperands(a, b, name);
  const out = runKernel(kernel, [x, y]);
  if (needsGrad(x, y)) {
    const pick = kernel === K.Maximum ? gt : lt;
    record(`${kernel}Backward`, [x, y], out, (g) => {
      // Ties split the gradient evenly, as PyTorch does.
      const tie = mul(cast(eq(x, y), g.dtype), 0.5);
      const wx = add(cast(pick(x, y), g.dtype), tie);
      const wy = add(cast(pick(y, x), g.dtype), tie);
      return [sumTo(mul(g, wx), x.shape), sumTo(mul(g, wy), y.shape)];
    });
  }
  return out;
}

export function maximum(a: Tensor, b: Operand): Tensor {
  return minMax(K.Maximum, 'maximum', a, b);
}
export function minimum(a: Tensor, b: Operand): Tensor {
  return minMax(K.Minimum, 'minimum', a, b);
}

// ---- unary ------------------------------------------------------------------------------------------------------

export function neg(x: Tensor): Tensor {
  const out = runKernel(K.Neg, [x]);
  if (needsGrad(x)) record('NegBackward', [x], out, (g) => [neg(g)], []);
  return out;
}

export function exp(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Exp, [x]);
  if (needsGrad(x)) record('ExpBackward', [x], out, (g) => [mul(g, out)], [out]);
  return out;
}

export function log(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Log, [x]);
  if (needsGrad(x)) record('LogBackward', [x], out, (g) => [div(g, x)]);
  return out;
}

export function sqrt(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Sqrt, [x]);
  if (needsGrad(x)) record('SqrtBackward', [x], out, (g) => [div(g, mul(out, 2))], [out]);
  return out;
}

export function rsqrt(x: Tensor): Tensor {
  return reciprocal(sqrt(x));
}

export function square(x: Tensor): Tensor {
  return mul(x, x);
}

export function reciprocal(x: Tensor): Tensor {
  return div(1, floatInput(x));
}

export function abs(x: Tensor): Tensor {
  const out = runKernel(K.Abs, [x]);
  if (needsGrad(x)) record('AbsBackward', [x], out, (g) => [mul(g, sign(x))]);
  return out;
}

/** -1, 0 or 1 (not differentiable: its gradient is zero). */
export function sign(x: Tensor): Tensor {
  return runKernel(K.Sign, [x]);
}

export function floor(x: Tensor): Tensor {
  return runKernel(K.Floor, [x]);
}

export function sin(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Sin, [x]);
  if (needsGrad(x)) record('SinBackward', [x], out, (g) => [mul(g, cos(x))]);
  return out;
}

export function cos(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Cos, [x]);
  if (needsGrad(x)) record('CosBackward', [x], out, (g) => [neg(mul(g, sin(x)))]);
  return out;
}

/**
 * dy * f'(x) from an activation's output y: one fused kernel in a plain backward pass; with grad mode on (a backward
 * with createGraph, for higher-order gradients) the same formula from differentiable ops.
 */
function activationGrad(kernel: K.ActivationGradKernel, y: Tensor, dy: Tensor): Tensor {
  // The kernel wants dy of y's shape and dtype: what autograd hands a backward function, unless a hook replaced the
  // gradient with another dtype; that case (and createGraph) takes the composite formula, which promotes.
  if (!isGradEnabled() && dy.dtype === y.dtype && shapesEqual(dy.shape, y.shape))
    return runKernel(kernel, [y, dy]);
  if (kernel === K.SigmoidGrad) return mul(dy, mul(y, sub(1, y)));
  if (kernel === K.TanhGrad) return mul(dy, sub(1, mul(y, y)));
  return mul(dy, cast(gt(y, 0), dy.dtype));
}

/** 1 / (1 + e^-x), computed without overflow for large |x|. d/dx = s (1 - s). */
export function sigmoid(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Sigmoid, [x]);
  if (needsGrad(x))
    record('SigmoidBackward', [x], out, (g) => [activationGrad(K.SigmoidGrad, out, g)], [out]);
  return out;
}

export function tanh(x: Tensor): Tensor {
  x = floatInput(x);
  const out = runKernel(K.Tanh, [x]);
  if (needsGrad(x)) record('TanhBackward', [x], out, (g) => [activationGrad(K.TanhGrad, out, g)], [out]);
  return out;
}

export function relu(x: Tensor): Tensor {
  const out = runKernel(K.Relu, [x]);
  if (needsGrad(x)) record('ReluBackward', [x], out, (g) => [activationGrad(K.ReluGrad, out, g)], [out]);
  return out;
}

/** x for x > 0, negativeSlope * x otherwise. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(gt(x, 0), x, mul(x, negativeSlope));
}

/** Clamp into [min, max]; the gradient flows where the input was inside the range (bounds included). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error('clamp: at least one of min and max must be given');
  }
  const out = runKernel(K.ClipByValue, [x], { min: min ?? null, max: max ?? null });
  if (needsGrad(x)) {
    record('ClampBackward', [x], out, (g) => {
      let inside = min !== undefined && min !== null ? ge(x, min) : null;
      if (max !== undefined && max !== null) inside = inside ? logicalAnd(inside, le(x, max)) : le(x, max);
      return [mul(g, cast(inside!, g.dtype))];
    });
  }
  return out;
}

// ---- comparisons and logic (bool results, no gradient) ---------------------------------------------------------

function compare(kernel: string, name: string, a: Operand, b: Operand): Tensor {
  const [x, y] = binaryOperands(a, b, name);
  return runKernel(kernel, [x, y]);
}
export const eq = (a: Operand, b: Operand) => compare(K.Equal, 'eq', a, b);
export const ne = (a: Operand, b: Operand) => compare(K.NotEqual, 'ne', a, b);
export const gt = (a: Operand, b: Operand) => compare(K.Greater, 'gt', a, b);
export const ge = (a: Operand, b: Operand) => compare(K.GreaterEqual, 'ge', a, b);
export const lt = (a: Operand, b: Operand) => compare(K.Less, 'lt', a, b);
export const le = (a: Operand, b: Operand) => compare(K.LessEqual, 'le', a, b);
export const logicalAnd = (a: Operand, b: Operand) => compare(K.LogicalAnd, 'logicalAnd', a, b);
export const logicalOr = (a: Operand, b: Operand) => compare(K.LogicalOr, 'logicalOr', a, b);
export function logicalNot(x: Tensor): Tensor {
  return runKernel(K.LogicalNot, [x]);
}

/**
 * Elementwise choice: a where condition is true, b elsewhere (all three broadcast).
 * @example where(x.gt(0), x, 0) // relu
 */
export function where(condition: Tensor, a: Operand, b: Operand): Tensor {
  if (!(condition instanceof Tensor)) throw new Error('where: condition must be a tensor');
  const [x, y] = binaryOperands(a, b, 'where');
  const cond = condition.dtype === 'bool' ? condition : cast(condition, 'bool');
  const out = runKernel(K.Select, [cond, x, y]);
  if (needsGrad(x, y)) {
    record(
      'WhereBackward',
      [x, y],
      out,
      (g, need) => [
        need[0] ? sumTo(where(cond, g, 0), x.shape) : null,
        need[1] ? sumTo(where(cond, 0, g), y.shape) : null,
      ],
      [],
    );
  }
  return out;
}
