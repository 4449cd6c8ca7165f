/**
 * The backend kernel set: names and typed attributes, defined once. Kept small and close to TensorFlow.js's kernel
 * names so that a backend built on tfjs maps onto its kernels one to one. Gradients never live here: they are
 * written once, in ops/, in Tensor ops.
 *
 * Layout conventions: images are NCHW and conv filters [outChannels, inChannels / groups, kh, kw], as in PyTorch.
 */
import type { DType } from './dtype.js';

// ---- elementwise unary ---------------------------------------------------------------------------------------------
export const Neg = 'Neg';
export const Exp = 'Exp';
export const Log = 'Log';
export const Sqrt = 'Sqrt';
export const Abs = 'Abs';
export const Sign = 'Sign';
export const Sigmoid = 'Sigmoid';
export const Tanh = 'Tanh';
export const Relu = 'Relu';
export const Sin = 'Sin';
export const Cos = 'Cos';
export const Floor = 'Floor';
export const LogicalNot = 'LogicalNot';
export const UNARY_KERNELS = [
  Neg,
  Exp,
  Log,
  Sqrt,
  Abs,
  Sign,
  Sigmoid,
  Tanh,
  Relu,
  Sin,
  Cos,
  Floor,
  LogicalNot,
] as const;
export type UnaryKernel = (typeof UNARY_KERNELS)[number];

/**
 * Activation gradients from the activation's output: inputs (y, dy) of one shape, output dy * f'(x) written in y.
 * SigmoidGrad: dy y (1 - y); TanhGrad: dy (1 - y^2); ReluGrad: dy where y > 0, else 0. Backward passes use them
 * instead of three elementwise ops (one pass and one allocation instead of three).
 */
export const SigmoidGrad = 'SigmoidGrad';
export const TanhGrad = 'TanhGrad';
export const ReluGrad = 'ReluGrad';
export const ACTIVATION_GRAD_KERNELS = [SigmoidGrad, TanhGrad, ReluGrad] as const;
export type ActivationGradKernel = (typeof ACTIVATION_GRAD_KERNELS)[number];

/** Clip to [min, max]; either bound may be null. */
export const ClipByValue = 'ClipByValue';
export interface ClipAttrs {
  min: number | null;
  max: number | null;
}
/** Cast to another dtype. */
export const Cast = 'Cast';
export interface CastAttrs {
  dtype: DType;
}

// ---- elementwise binary, with broadcasting -------------------------------------------------------------------------
export const Add = 'Add';
export const Sub = 'Sub';
export const Mul = 'Mul';
export const Div = 'RealDiv';
export const Pow = 'Pow';
export const Maximum = 'Maximum';
export const Minimum = 'Minimum';
export const ARITHMETIC_KERNELS = [Add, Sub, Mul, Div, Pow, Maximum, Minimum] as const;
export const Equal = 'Equal';
export const NotEqual = 'NotEqual';
export const Greater = 'Greater';
export const GreaterEqual = 'GreaterEqual';
export const Less = 'Less';
export const LessEqual = 'LessEqual';
export const LogicalAnd = 'LogicalAnd';
export const LogicalOr = 'LogicalOr';
/** Comparisons and logical ops produce bool. */
export const COMPARISON_KERNELS = [
  Equal,
  NotEqual,
  Greater,
  GreaterEqual,
  Less,
  LessEqual,
  LogicalAnd,
  LogicalOr,
] as const;
export type BinaryKernel = (typeof ARITHMETIC_KERNELS)[number] | (typeof COMPARISON_KERNELS)[number];

/** where(condition, a, b), all three broadcast. */
export const Select = 'Select';

// ---- reductions ------------------------------------------------------------------------------------------------
export const Sum = 'Sum';
export const Max = 'Max';
export const Min = 'Min';
export interface ReduceAttrs {
  /** Sorted, non-negative axes to reduce. */
  axes: number[];
  keepDims: boolean;
}
export const ArgMax = 'ArgMax';
export const ArgMin = 'ArgMin';
export interface ArgReduceAttrs {
  axis: number;
  keepDims: boolean;
}

// ---- linear algebra and neural-net kernels -------------------------------------------------------------------------
/** a [B|1, M, K] x b [B|1, K, N] (before the optional transposes) -> [B, M, N]. */
export const BatchMatMul = 'BatchMatMul';
export interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export interface Conv2DAttrs {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}
/** x [N, C, H, W], filter [O, C / groups, kh, kw] -> [N, O, OH, OW]. */
export const Conv2D = 'Conv2D';
/** dy, filter -> dx of shape `inputShape`. */
export const Conv2DBackpropInput = 'Conv2DBackpropInput';
export interface Conv2DBackpropInputAttrs extends Conv2DAttrs {
  inputShape: [number, number, number, number];
}
/** x, dy -> dfilter of shape `filterShape`. */
export const Conv2DBackpropFilter = 'Conv2DBackpropFilter';
export interface Conv2DBackpropFilterAttrs extends Conv2DAttrs {
  filterShape: [number, number, number, number];
}

export interface Pool2DAttrs {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
}
export const MaxPool2D = 'MaxPool2D';
/** inputs: dy, x -> dx (the gradient goes to the first maximum of each window). */
export const MaxPool2DGrad = 'MaxPool2DGrad';
/** Average pooling; padded cells count in the divisor (PyTorch's count_include_pad=True). */
export const AvgPool2D = 'AvgPool2D';
/** inputs: dy -> dx of shape `inputShape`. */
export const AvgPool2DGrad = 'AvgPool2DGrad';
export interface AvgPool2DGradAttrs extends Pool2DAttrs {
  inputShape: [number, number, number, number];
}

export const Softmax = 'Softmax';
export const LogSoftmax = 'LogSoftmax';
export interface SoftmaxAttrs {
  axis: number;
}

// ---- movement and indexing ---------------------------------------------------------------------------------------
export const Identity = 'Identity';
export const Transpose = 'Transpose';
export interface TransposeAttrs {
  perm: number[];
}
/** Strided slice: out[i] = x[begin + i * step] along each axis. */
export const Slice = 'Slice';
export interface SliceAttrs {
  begin: number[];
  size: number[];
  step: number[];
}
/** The adjoint of Slice: dy scattered into zeros of `inputShape`. */
export const SliceGrad = 'SliceGrad';
export interface SliceGradAttrs extends SliceAttrs {
  inputShape: number[];
}
export const PadV2 = 'PadV2';
export interface PadAttrs {
  paddings: [number, number][];
  constantValue: number;
}
export const Concat = 'Concat';
export interface ConcatAttrs {
  axis: number;
}
export const Tile = 'Tile';
export interface TileAttrs {
  reps: number[];
}
export const BroadcastTo = 'BroadcastTo';
export interface BroadcastToAttrs {
  shape: number[];
}
/** torch.gather: out[..i..] = x[..index[..i..]..] along `dim`. inputs: x, index (int32). */
export const GatherElements = 'GatherElements';
/** torch.scatter / scatter_add: a copy of x with src written (or added) at index along `dim`. inputs: x, index, src. */
export const ScatterElements = 'ScatterElements';
export interface ScatterElementsAttrs {
  dim: number;
  reduction: 'none' | 'add';
}
export interface DimAttrs {
  dim: number;
}
/** torch.index_select: inputs x, index (1-D int32). */
export const IndexSelect = 'IndexSelect';
/** torch.index_add: a copy of x with src rows added at index along `dim`. inputs x, index, src. */
export const IndexAdd = 'IndexAdd';
export const OneHot = 'OneHot';
export interface OneHotAttrs {
  depth: number;
  dtype: DType;
}
/** A tensor of `shape` filled with `value`. No inputs. */
export const Fill = 'Fill';
export interface FillAttrs {
  shape: number[];
  value: number;
  dtype: DType;
}
