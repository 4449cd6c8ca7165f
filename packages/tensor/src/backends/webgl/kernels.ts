/**
 * The WebGL kernel table: each kernel of the contract (kernel_names.ts) mapped onto tfjs-core kernels run by
 * tfjs-backend-webgl. Most map one to one (same name, renamed attributes); the layout-dependent ones transpose our
 * NCHW images and [O, I, kh, kw] filters to tfjs's NHWC and [kh, kw, I, O]. No gradients here: they are written once,
 * in ops/, in terms of these kernels.
 *
 * Every kernel body runs inside tf.tidy, so tfjs temporaries (reshapes, transposes, casts) are freed before it
 * returns; only the result survives, owned by a new storage handle.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Backend, getBackend, type KernelFn, type TensorInfo } from '../../backend.js';
import type { DType } from '../../dtype.js';
import * as K from '../../kernel_names.js';
import { broadcastShapes } from '../../shape.js';
import type { StorageTracker } from './storage.js';

/** What a kernel needs of the backend object (the third argument of every KernelFn). */
export interface WebGLKernelHost extends Backend {
  readonly storage: StorageTracker;
}

type Attrs = Record<string, unknown>;
type TfKernel = (x: tf.Tensor[], attrs: never, inputs: readonly TensorInfo[]) => tf.Tensor;

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** Wrap a function of tfjs tensors as a KernelFn over our storage handles. */
function kernel(fn: TfKernel): KernelFn {
  return ((inputs: readonly TensorInfo[], attrs: never, backend: Backend) => {
    const { storage } = backend as WebGLKernelHost;
    const owners = inputs.map((info) => storage.tensorOf(info.handle, info.shape, info.dtype));
    let result = tf.tidy(() =>
      fn(
        owners.map((t, i) =>
          sameShape(t.shape, inputs[i]!.shape) ? t : tf.reshape(t, inputs[i]!.shape.slice()),
        ),
        attrs,
        inputs,
      ),
    );
    // A result that IS an input's tensor (an identity) must get its own reference, or two handles would own it.
    if (owners.includes(result)) result = tf.clone(result);
    return {
      handle: storage.track(result, result.size * 4),
      shape: result.shape,
      dtype: result.dtype as DType,
    };
  }) as KernelFn;
}

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs = {}): tf.Tensor =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

const warned = new Set<string>();

/**
 * Run one call of a kernel on the CPU backend (attribute combinations tfjs cannot express, e.g. a dilated conv
 * backprop). Warns once per kernel and reason, like the registry's whole-kernel fallback.
 */
function onCpu(
  name: string,
  reason: string,
  inputs: readonly TensorInfo[],
  attrs: unknown,
  backend: Backend,
) {
  const key = `${name}/${reason}`;
  if (!warned.has(key)) {
    warned.add(key);
    console.warn(`nndl: webgl runs '${name}' with ${reason} on the CPU (tfjs has no such kernel).`);
  }
  const cpu = getBackend('cpu');
  const cpuInputs = inputs.map((t) => ({
    handle: backend.readSync(t.handle, t.dtype),
    shape: t.shape,
    dtype: t.dtype,
  }));
  const out = cpu.kernels.get(name)!.fn(cpuInputs, attrs as never, cpu);
  const values = cpu.readSync(out.handle, out.dtype);
  // The CPU result is not a tensor's storage: give it back (a block of the kernels' wasm memory was read as a copy).
  cpu.dispose(out.handle);
  return { handle: backend.write(values, out.shape, out.dtype), shape: out.shape, dtype: out.dtype };
}

export function refuseFloat64(op: string, dtype: DType): void {
  if (dtype === 'float64') {
    throw new Error(
      `${op}: float64 is not supported on WebGL (textures hold float32). Keep float64 tensors on the CPU, or ` +
        "convert first: tensor.float().to('webgl').",
    );
  }
}

// ---- helpers -------------------------------------------------------------------------------------------------------
const toBool = (x: tf.Tensor) => (x.dtype === 'bool' ? x : tf.cast(x, 'bool'));
const broadcast = (x: tf.Tensor, shape: number[]) =>
  sameShape(x.shape, shape) ? x : tf.broadcastTo(x, shape);
const nchwToNhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]);
const nhwcToNchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);
/** [O, I, kh, kw] -> [kh, kw, I, O] and back. */
const oihwToHwio = (w: tf.Tensor) => tf.transpose(w, [2, 3, 1, 0]);
const hwioToOihw = (w: tf.Tensor) => tf.transpose(w, [3, 2, 0, 1]);
const explicitPad = ([ph, pw]: [number, number]) =>
  [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ] as [[number, number], [number, number], [number, number], [number, number]];

/** Throw, as the CPU kernels do, when an index tensor holds a value outside [-size, size) (or [0, size)). */
function checkIndices(op: string, index: tf.Tensor, size: number, allowNegative = true): void {
  if (index.size === 0) return;
  const [lo, hi] = tf.tidy(() => tf.stack([tf.min(index), tf.max(index)]).dataSync());
  for (const v of [lo!, hi!]) {
    if (v >= size || v < (allowNegative ? -size : 0)) {
      throw new Error(
        allowNegative
          ? `${op}: index ${v} is out of bounds for dimension with size ${size}`
          : `${op}: class value ${v} is outside [0, ${size - 1}] (numClasses = ${size})`,
      );
    }
  }
}
/** Negative indices count from the end, as in the CPU kernels. */
const wrapIndices = (index: tf.Tensor, size: number) =>
  tf.where(tf.less(index, 0), tf.add(index, tf.scalar(size, 'int32')), index);

const stridesOf = (shape: readonly number[]) => {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
};
/**
 * For each position p of `indexShape`, the flat offset into `xShape` of p with coordinate `dim` set to 0; adding
 * index * stride(dim) gives torch.gather/scatter's flat element. Computed on the host (shapes only) and cached.
 */
const baseOffsetCache = new Map<string, Int32Array>();
function baseOffsets(indexShape: readonly number[], xShape: readonly number[], dim: number): Int32Array {
  const key = `${indexShape.join(',')}|${xShape.join(',')}|${dim}`;
  let cached = baseOffsetCache.get(key);
  if (cached) return cached;
  const n = indexShape.reduce((a, b) => a * b, 1);
  const strides = stridesOf(xShape);
  cached = new Int32Array(n);
  const pos = new Array<number>(indexShape.length).fill(0);
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let d = 0; d < indexShape.length; d++) if (d !== dim) s += pos[d]! * strides[d]!;
    cached[p] = s;
    for (let d = indexShape.length - 1; d >= 0; d--) {
      if (++pos[d]! < indexShape[d]!) break;
      pos[d] = 0;
    }
  }
  if (baseOffsetCache.size > 256) baseOffsetCache.clear();
  baseOffsetCache.set(key, cached);
  return cached;
}
function flatElementIndices(index: tf.Tensor, xShape: readonly number[], dim: number): tf.Tensor {
  const base = tf.tensor(baseOffsets(index.shape, xShape, dim), [index.size], 'int32');
  const stride = stridesOf(xShape)[dim]!;
  return tf.add(
    base,
    tf.mul(tf.reshape(wrapIndices(index, xShape[dim]!), [index.size]), tf.scalar(stride, 'int32')),
  );
}

/** Softmax or log-softmax along any axis, from max, sub, exp, sum (and log): stable for logits of +-1000. */
function softmaxAlong(x: tf.Tensor, axis: number, log: boolean): tf.Tensor {
  const shifted = tf.sub(x, tf.max(x, axis, true));
  const e = tf.exp(shifted);
  const s = tf.sum(e, axis, true);
  return log ? tf.sub(shifted, tf.log(s)) : tf.div(e, s);
}

/** Run `conv` once per group: inputs split along their channel axis (NHWC last axis, HWIO last axis for O). */
function perGroup(groups: number, parts: tf.Tensor[], axes: number[], conv: (p: tf.Tensor[]) => tf.Tensor) {
  if (groups === 1) return conv(parts);
  const split = parts.map((t, i) => tf.split(t, groups, axes[i]));
  const outs: tf.Tensor[] = [];
  for (let g = 0; g < groups; g++) outs.push(conv(split.map((s) => s[g]!)));
  return tf.concat(outs, -1);
}

/**
 * Max-pool backprop where each window's gradient goes to its FIRST maximum, as on the CPU (and PyTorch). tfjs's
 * MaxPoolGrad picks the last one (its shader compares with >=), which differs at ties, and ties are everywhere after
 * a ReLU (windows of zeros). So: gather each window's cells (a host-built index map), take tfjs's ArgMax (strict >,
 * so the first maximum), and add dy into the chosen cells with UnsortedSegmentSum.
 */
const windowIndexCache = new Map<string, Int32Array>();
function windowIndices(hp: number, wp: number, oh: number, ow: number, a: K.Pool2DAttrs): Int32Array {
  const [kh, kw] = a.kernelSize;
  const [sh, sw] = a.stride;
  const key = [hp, wp, oh, ow, kh, kw, sh, sw].join(',');
  let cached = windowIndexCache.get(key);
  if (cached) return cached;
  cached = new Int32Array(oh * ow * kh * kw);
  let k = 0;
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) cached[k++] = (i * sh + u) * wp + j * sw + v;
  if (windowIndexCache.size > 64) windowIndexCache.clear();
  windowIndexCache.set(key, cached);
  return cached;
}
function maxPoolGradFirstMax(dy: tf.Tensor, x: tf.Tensor, a: K.Pool2DAttrs): tf.Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [, , oh, ow] = dy.shape as [number, number, number, number];
  const [ph, pw] = a.padding;
  const [hp, wp] = [h + 2 * ph, w + 2 * pw];
  const kk = a.kernelSize[0] * a.kernelSize[1];
  // Padded cells never win: pad with the lowest float32.
  const padded =
    ph > 0 || pw > 0
      ? tf.pad(
          x,
          [
            [0, 0],
            [0, 0],
            [ph, ph],
            [pw, pw],
          ],
          -3.4028234663852886e38,
        )
      : x;
  const cells = tf.tensor(windowIndices(hp, wp, oh, ow, a), undefined, 'int32');
  const windows = tf.reshape(tf.gather(tf.reshape(padded, [n * c, hp * wp]), cells, 1), [
    n * c * oh * ow,
    kk,
  ]);
  const chosen = tf.oneHot(tf.argMax(windows, 1), kk, 1, 0, 'float32');
  const contributions = tf.mul(chosen, tf.reshape(dy, [n * c * oh * ow, 1]));
  // [windows * kk, n*c] summed into [hp*wp, n*c] by the flat cell index of each window entry.
  const perCell = tf.transpose(tf.reshape(contributions, [n * c, oh * ow * kk]));
  const summed = tf.unsortedSegmentSum(perCell, cells as tf.Tensor1D, hp * wp);
  const dx = tf.reshape(tf.transpose(summed), [n, c, hp, wp]);
  return ph > 0 || pw > 0 ? tf.slice(dx, [0, 0, ph, pw], [n, c, h, w]) : dx;
}

// ---- the table -------------------------------------------------------------------------------------------------------
const unary = (name: string) => kernel(([x]) => run(name, { x: x! }));
/** Binary kernels check broadcasting first, for the CPU's error message ("add: shapes [3] and [2] cannot ..."). */
const binary = (name: string, op: string) =>
  kernel(([a, b]) => {
    broadcastShapes(a!.shape, b!.shape, op);
    return run(name, { a: a!, b: b! });
  });
const logical = (name: string, op: string) =>
  kernel(([a, b]) => {
    broadcastShapes(a!.shape, b!.shape, op);
    return run(name, { a: toBool(a!), b: toBool(b!) });
  });

const conv2dBackpropInput = kernel(([dy, w], attrs: K.Conv2DBackpropInputAttrs) => {
  const [n, c, h, wd] = attrs.inputShape;
  const g = attrs.groups;
  return nhwcToNchw(
    perGroup(g, [nchwToNhwc(dy!), oihwToHwio(w!)], [3, 3], ([d, f]) =>
      run(
        'Conv2DBackpropInput',
        { dy: d!, filter: f! },
        {
          strides: attrs.stride,
          pad: explicitPad(attrs.padding),
          dataFormat: 'NHWC',
          inputShape: [n, h, wd, c / g],
        },
      ),
    ),
  );
});
const conv2dBackpropFilter = kernel(([x, dy], attrs: K.Conv2DBackpropFilterAttrs) => {
  const [o, i, kh, kw] = attrs.filterShape;
  const g = attrs.groups;
  return hwioToOihw(
    perGroup(g, [nchwToNhwc(x!), nchwToNhwc(dy!)], [3, 3], ([xs, d]) =>
      run(
        'Conv2DBackpropFilter',
        { x: xs!, dy: d! },
        {
          strides: attrs.stride,
          pad: explicitPad(attrs.padding),
          dataFormat: 'NHWC',
          filterShape: [kh, kw, i, o / g],
        },
      ),
    ),
  );
});
const dilated = (attrs: K.Conv2DAttrs) => attrs.dilation[0] !== 1 || attrs.dilation[1] !== 1;

const maxPoolAttrs = (a: K.Pool2DAttrs) => ({
  filterSize: a.kernelSize,
  strides: a.stride,
  pad: explicitPad(a.padding),
});

export const webglKernels: Record<string, KernelFn> = {
  // ---- elementwise unary
  ...Object.fromEntries(
    [K.Neg, K.Exp, K.Log, K.Sqrt, K.Abs, K.Sign, K.Sigmoid, K.Tanh, K.Relu, K.Sin, K.Cos, K.Floor].map(
      (name) => [name, unary(name)],
    ),
  ),
  // Activation gradients from the output y (tfjs has no kernels for them: its gradients compose the same ops).
  [K.SigmoidGrad]: kernel(([y, dy]) => tf.mul(dy!, tf.mul(y!, tf.sub(tf.scalar(1), y!)))),
  [K.TanhGrad]: kernel(([y, dy]) => tf.mul(dy!, tf.sub(tf.scalar(1), tf.mul(y!, y!)))),
  [K.ReluGrad]: kernel(([y, dy]) => tf.mul(dy!, tf.cast(tf.greater(y!, tf.scalar(0)), 'float32'))),
  // tfjs's LogicalNot reads its input as bool (x >= 1); ours is "x == 0" for any dtype.
  [K.LogicalNot]: kernel(([x]) => run('LogicalNot', { x: toBool(x!) })),
  [K.ClipByValue]: kernel(([x], a: K.ClipAttrs) =>
    run('ClipByValue', { x: x! }, { clipValueMin: a.min ?? -Infinity, clipValueMax: a.max ?? Infinity }),
  ),
  [K.Cast]: kernel(([x], a: K.CastAttrs) => {
    refuseFloat64('cast', a.dtype);
    return x!.dtype === a.dtype ? x! : run('Cast', { x: x! }, { dtype: a.dtype });
  }),

  // ---- elementwise binary (tfjs broadcasts like NumPy too)
  [K.Add]: binary('Add', 'add'),
  [K.Sub]: binary('Sub', 'sub'),
  [K.Mul]: binary('Multiply', 'mul'),
  [K.Div]: binary('RealDiv', 'div'),
  [K.Pow]: binary('Pow', 'pow'),
  [K.Maximum]: binary('Maximum', 'maximum'),
  [K.Minimum]: binary('Minimum', 'minimum'),
  [K.Equal]: binary('Equal', 'eq'),
  [K.NotEqual]: binary('NotEqual', 'ne'),
  [K.Greater]: binary('Greater', 'gt'),
  [K.GreaterEqual]: binary('GreaterEqual', 'ge'),
  [K.Less]: binary('Less', 'lt'),
  [K.LessEqual]: binary('LessEqual', 'le'),
  [K.LogicalAnd]: logical('LogicalAnd', 'logicalAnd'),
  [K.LogicalOr]: logical('LogicalOr', 'logicalOr'),
  // tfjs's Select does not broadcast: broadcast all three first.
  [K.Select]: kernel(([c, a, b]) => {
    const out = broadcastShapes(broadcastShapes(c!.shape, a!.shape, 'where'), b!.shape, 'where');
    return run('Select', {
      condition: broadcast(toBool(c!), out),
      t: broadcast(a!, out),
      e: broadcast(b!, out),
    });
  }),

  // ---- reductions
  [K.Sum]: kernel(([x], a: K.ReduceAttrs) => {
    const input = x!.dtype === 'bool' ? tf.cast(x!, 'int32') : x!;
    return a.axes.length === 0 ? input : run('Sum', { x: input }, { axis: a.axes, keepDims: a.keepDims });
  }),
  [K.Max]: kernel(([x], a: K.ReduceAttrs) =>
    a.axes.length === 0 ? x! : run('Max', { x: x! }, { reductionIndices: a.axes, keepDims: a.keepDims }),
  ),
  [K.Min]: kernel(([x], a: K.ReduceAttrs) =>
    a.axes.length === 0 ? x! : run('Min', { x: x! }, { axis: a.axes, keepDims: a.keepDims }),
  ),
  ...Object.fromEntries(
    [K.ArgMax, K.ArgMin].map((name) => [
      name,
      kernel(([x], a: K.ArgReduceAttrs) => {
        const input = x!.dtype === 'bool' ? tf.cast(x!, 'int32') : x!;
        const out = run(name, { x: input }, { axis: a.axis });
        if (!a.keepDims) return out;
        const shape = x!.shape.slice();
        shape[a.axis] = 1;
        return tf.reshape(out, shape);
      }),
    ]),
  ),
  [K.Softmax]: kernel(([x], a: K.SoftmaxAttrs) => softmaxAlong(x!, a.axis, false)),
  [K.LogSoftmax]: kernel(([x], a: K.SoftmaxAttrs) => softmaxAlong(x!, a.axis, true)),

  // ---- linear algebra and convolutions
  [K.BatchMatMul]: kernel(([a, b], attrs: K.BatchMatMulAttrs) =>
    run('BatchMatMul', { a: a!, b: b! }, { transposeA: attrs.transposeA, transposeB: attrs.transposeB }),
  ),
  [K.Conv2D]: kernel(([x, w], a: K.Conv2DAttrs) =>
    nhwcToNchw(
      perGroup(a.groups, [nchwToNhwc(x!), oihwToHwio(w!)], [3, 3], ([xs, f]) =>
        run(
          'Conv2D',
          { x: xs!, filter: f! },
          { strides: a.stride, pad: explicitPad(a.padding), dataFormat: 'NHWC', dilations: a.dilation },
        ),
      ),
    ),
  ),
  // tfjs's conv backprops take no dilation: dilated convolutions' gradients run on the CPU.
  [K.Conv2DBackpropInput]: ((inputs, attrs: K.Conv2DBackpropInputAttrs, backend) =>
    dilated(attrs)
      ? onCpu(K.Conv2DBackpropInput, 'dilation > 1', inputs, attrs, backend)
      : conv2dBackpropInput(inputs, attrs as never, backend)) as KernelFn,
  [K.Conv2DBackpropFilter]: ((inputs, attrs: K.Conv2DBackpropFilterAttrs, backend) =>
    dilated(attrs)
      ? onCpu(K.Conv2DBackpropFilter, 'dilation > 1', inputs, attrs, backend)
      : conv2dBackpropFilter(inputs, attrs as never, backend)) as KernelFn,

  // ---- pooling (NHWC in tfjs). Max pooling skips padded cells, as PyTorch's -inf padding.
  [K.MaxPool2D]: kernel(([x], a: K.Pool2DAttrs) =>
    nhwcToNchw(run('MaxPool', { x: nchwToNhwc(x!) }, maxPoolAttrs(a))),
  ),
  [K.MaxPool2DGrad]: kernel(([dy, x], a: K.Pool2DAttrs) => maxPoolGradFirstMax(dy!, x!, a)),
  // tfjs's AvgPool divides by the number of in-bounds cells; ours counts padding (PyTorch's count_include_pad), so
  // pad with zeros explicitly and pool without padding.
  [K.AvgPool2D]: kernel(([x], a: K.Pool2DAttrs) => {
    const [ph, pw] = a.padding;
    let input = nchwToNhwc(x!);
    if (ph > 0 || pw > 0) input = tf.pad(input, explicitPad(a.padding));
    return nhwcToNchw(
      run('AvgPool', { x: input }, { filterSize: a.kernelSize, strides: a.stride, pad: 'valid' }),
    );
  }),
  [K.AvgPool2DGrad]: kernel(([dy], a: K.AvgPool2DGradAttrs) => {
    const [n, c, h, w] = a.inputShape;
    const [ph, pw] = a.padding;
    // AvgPoolGrad reads only the shape of `input`: zeros are created on the host and never uploaded.
    const input = tf.zeros([n, h + 2 * ph, w + 2 * pw, c]);
    const dx = run(
      'AvgPoolGrad',
      { dy: nchwToNhwc(dy!), input },
      { filterSize: a.kernelSize, strides: a.stride, pad: 'valid' },
    );
    return nhwcToNchw(ph > 0 || pw > 0 ? tf.slice(dx, [0, ph, pw, 0], [n, h, w, c]) : dx);
  }),

  // ---- movement and indexing
  [K.Identity]: kernel(([x]) => run('Identity', { x: x! })),
  [K.Transpose]: kernel(([x], a: K.TransposeAttrs) => run('Transpose', { x: x! }, { perm: a.perm })),
  [K.Slice]: kernel(([x], a: K.SliceAttrs) => {
    if (a.size.some((s) => s === 0)) return tf.zeros(a.size, x!.dtype);
    if (a.step.every((s) => s === 1)) return run('Slice', { x: x! }, { begin: a.begin, size: a.size });
    const end = a.begin.map((b, i) => b + (a.size[i]! - 1) * a.step[i]! + 1);
    return tf.stridedSlice(x!, a.begin, end, a.step);
  }),
  // The adjoint of a unit-step slice is a zero padding; strided ones run on the CPU.
  [K.SliceGrad]: ((inputs, attrs: K.SliceGradAttrs, backend) =>
    attrs.step.some((s) => s !== 1)
      ? onCpu(K.SliceGrad, 'a step > 1', inputs, attrs, backend)
      : kernel(([dy]) =>
          tf.pad(
            dy!,
            attrs.begin.map((b, i) => [b, attrs.inputShape[i]! - b - attrs.size[i]!] as [number, number]),
          ),
        )(inputs, attrs as never, backend)) as KernelFn,
  [K.PadV2]: kernel(([x], a: K.PadAttrs) =>
    run('PadV2', { x: x! }, { paddings: a.paddings, constantValue: a.constantValue }),
  ),
  [K.Concat]: kernel((xs, a: K.ConcatAttrs) => (xs.length === 1 ? xs[0]! : tf.concat(xs, a.axis))),
  [K.Tile]: kernel(([x], a: K.TileAttrs) => run('Tile', { x: x! }, { reps: a.reps })),
  [K.BroadcastTo]: kernel(([x], a: K.BroadcastToAttrs) => broadcast(x!, a.shape)),
  [K.GatherElements]: kernel(([x, index], a: K.DimAttrs) => {
    checkIndices('gather', index!, x!.shape[a.dim]!);
    const flat = flatElementIndices(index!, x!.shape, a.dim);
    return tf.reshape(tf.gather(tf.reshape(x!, [x!.size]), flat), index!.shape);
  }),
  [K.ScatterElements]: kernel(([x, index, src], a: K.ScatterElementsAttrs) => {
    checkIndices('scatter', index!, x!.shape[a.dim]!);
    const flat = tf.reshape(flatElementIndices(index!, x!.shape, a.dim), [index!.size, 1]);
    // src may be larger than index: only its leading block of index's shape is scattered, as in torch.
    const values = tf.reshape(
      tf.slice(
        src!,
        index!.shape.map(() => 0),
        index!.shape,
      ),
      [index!.size],
    );
    const xFlat = tf.reshape(x!, [x!.size]);
    const out =
      a.reduction === 'add'
        ? tf.add(xFlat, tf.scatterND(flat, values, [x!.size]))
        : tf.tensorScatterUpdate(xFlat, flat, values);
    return tf.reshape(out, x!.shape);
  }),
  [K.IndexSelect]: kernel(([x, index], a: K.DimAttrs) => {
    checkIndices('indexSelect', index!, x!.shape[a.dim]!);
    return run(
      'GatherV2',
      { x: x!, indices: wrapIndices(index!, x!.shape[a.dim]!) },
      { axis: a.dim, batchDims: 0 },
    );
  }),
  // index_add along dim: move dim to the front, ScatterNd (which sums duplicates) into zeros, move it back, add.
  [K.IndexAdd]: kernel(([x, index, src], a: K.DimAttrs) => {
    const size = x!.shape[a.dim]!;
    checkIndices('indexAdd', index!, size);
    const perm = [a.dim, ...x!.shape.map((_, d) => d).filter((d) => d !== a.dim)];
    const inverse = perm.map((_, d) => perm.indexOf(d));
    const srcT = tf.transpose(src!, perm);
    const indices = tf.reshape(wrapIndices(index!, size), [index!.size, 1]);
    const added = tf.scatterND(indices, srcT, [size, ...srcT.shape.slice(1)]);
    return tf.add(x!, tf.transpose(added, inverse));
  }),
  [K.OneHot]: kernel(([x], a: K.OneHotAttrs) => {
    refuseFloat64('oneHot', a.dtype);
    checkIndices('oneHot', x!, a.depth, false);
    const out = run(
      'OneHot',
      { indices: x! },
      { depth: a.depth, onValue: 1, offValue: 0, dtype: a.dtype === 'float32' ? 'float32' : 'int32' },
    );
    return a.dtype === 'bool' ? tf.cast(out, 'bool') : out;
  }),
  [K.Fill]: kernel((_, a: K.FillAttrs) => {
    refuseFloat64('full', a.dtype);
    return a.dtype === 'bool'
      ? tf.fill(a.shape, a.value ? 1 : 0, 'bool')
      : tf.fill(a.shape, a.value, a.dtype as tf.DataType);
  }),
};
