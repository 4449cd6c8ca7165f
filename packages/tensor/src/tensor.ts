/**
 * Tensor: a shape, a dtype, a device, and a handle to storage owned by its backend, plus the autograd fields.
 * Methods delegate to the op functions in ops/ (one definition per op, forward and backward side by side).
 */
import { type BackwardOptions, backward as runBackward } from './autograd/engine.js';
import type { GradHook, Node, RemovableHandle } from './autograd/node.js';
import type { Backend } from './backend.js';
import { type DType, isDType, isFloating, type TypedArray } from './dtype.js';
import { formatTensor } from './format.js';
import * as C from './ops/creation.js';
import * as E from './ops/elementwise.js';
import * as I from './ops/indexing.js';
import * as P from './ops/inplace.js';
import * as L from './ops/linalg.js';
import * as N from './ops/nn.js';
import * as R from './ops/reduce.js';
import * as S from './ops/shape.js';
import { trackTensor } from './scope.js';
import type { Shape } from './shape.js';
import { isPinnedBlock } from './storage_pool.js';

export type NestedArray = number | boolean | NestedArray[];
type ShapeArgs = number[] | [readonly number[]];

/**
 * The record shared by every tensor that views the same storage: a version counter that in-place ops bump, and a
 * reference count so that disposing one view does not free storage that another still uses.
 */
export interface VersionCounter {
  value: number;
  refs: number;
}

/** Values plus indices, as PyTorch's (values, indices) named tuple: destructure it or read the fields. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

function shapeArgs(args: ShapeArgs): number[] {
  return (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
}

export class Tensor {
  /** Storage handle owned by the backend (on the CPU: the typed array). Internal. */
  handle: unknown;
  readonly shape: Shape;
  readonly dtype: DType;
  /** @internal */ _backend: Backend;
  /** @internal */ _version: VersionCounter;
  /** @internal hooks on a leaf tensor's gradient */ _hooks: GradHook[] = [];
  /**
   * The gradient accumulated by backward() (leaves, and non-leaves after retainGrad()). A gradient computed inside
   * `tidy` is disposed with the scope (as every tensor created there): read or `keep()` it inside.
   */
  grad: Tensor | null = null;
  /** The node that created this tensor, or null for a leaf. */
  gradFn: Node | null = null;
  private _requiresGrad = false;

  /** @internal Use tensor(), zeros(), ... to create tensors. */
  constructor(handle: unknown, shape: Shape, dtype: DType, backend: Backend, version?: VersionCounter) {
    this.handle = handle;
    this.shape = shape;
    this.dtype = dtype;
    this._backend = backend;
    if (version) {
      // A view (detach, reshape, a Parameter) of storage that was already freed would bring it back while another
      // tensor may own it now.
      if (version.refs === 0) {
        throw new Error(
          `a view of a disposed tensor (shape [${shape.join(', ')}]) cannot be made: its storage was freed ` +
            '(inside tidy(), every tensor created there is disposed when it returns: return or keep() what you need)',
        );
      }
      version.refs++;
      this._version = version;
    } else this._version = { value: 0, refs: 1 };
    trackTensor(this);
  }

  /** @internal true after dispose() */
  _disposed = false;
  /** @internal the tensor this one is a view of (reshape/view), for the in-place checks */
  _viewOf: Tensor | null = null;

  /**
   * Release this tensor's storage now (when no other view shares it) instead of waiting for the garbage collector;
   * needed on WebGL, a no-op in effect on the CPU. Using a disposed tensor throws.
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (--this._version.refs === 0) this._backend.dispose(this.handle);
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  // ---- properties ---------------------------------------------------------------------------------------------
  get device(): string {
    return this._backend.name;
  }
  get ndim(): number {
    return this.shape.length;
  }
  numel(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
  /** The shape, or the size of one dimension (negative dims count from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    return this.shape[S.dimIndex(dim, this.ndim, 'size')]!;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** True when gradients flow to this tensor: a leaf marked so, or any result of an op on one. */
  get requiresGrad(): boolean {
    return this.gradFn !== null || this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }
  /** Set requiresGrad on a leaf (in place, returns this). */
  requiresGrad_(value = true): this {
    if (this.gradFn !== null && !value) {
      throw new Error(
        'requiresGrad: you can only change requiresGrad of leaf tensors. Use detach() to get a tensor without history.',
      );
    }
    if (value && !isFloating(this.dtype)) {
      throw new Error(
        `requiresGrad: only floating-point tensors can require gradients (got dtype ${this.dtype})`,
      );
    }
    this._requiresGrad = value;
    return this;
  }
  /** Keep `.grad` for this non-leaf tensor after backward(). */
  retainGrad(): this {
    if (this.gradFn === null) {
      if (!this._requiresGrad)
        throw new Error("retainGrad: can't retain the gradient of a tensor that does not require grad");
      return this;
    }
    this.gradFn.retained = this;
    return this;
  }
  /**
   * Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces the gradient.
   * @example const h = x.registerHook((g) => g.mul(2)); ... h.remove();
   */
  registerHook(hook: GradHook): RemovableHandle {
    if (!this.requiresGrad) {
      throw new Error("registerHook: can't register a hook on a tensor that doesn't require gradient");
    }
    const list = this.gradFn ? this.gradFn.hooks : this._hooks;
    list.push(hook);
    return {
      remove: () => {
        const i = list.indexOf(hook);
        if (i >= 0) list.splice(i, 1);
      },
    };
  }
  /**
   * Compute gradients of this tensor with respect to the graph's leaves and accumulate them into `.grad`.
   * @example loss.backward(); y.backward(onesLike(y)); loss.backward({ retainGraph: true });
   */
  backward(gradient?: Tensor | BackwardOptions | null, options?: BackwardOptions): void {
    if (gradient instanceof Tensor || gradient === null || gradient === undefined)
      runBackward(this, gradient ?? null, options);
    else runBackward(this, null, gradient);
  }

  // ---- reading ------------------------------------------------------------------------------------------------
  /** The values as a flat typed array (a copy, except that the CPU backend may return its storage: don't mutate). */
  dataSync(): TypedArray {
    this.checkAlive('dataSync');
    return this._backend.readSync(this.handle, this.dtype);
  }
  /** The values, read asynchronously (the non-blocking way on the GPU). */
  data(): Promise<TypedArray> {
    this.checkAlive('data');
    return this._backend.read(this.handle, this.dtype);
  }
  /** @internal Throw if disposed: its storage may already hold another tensor's values. */
  checkAlive(op: string): void {
    if (this._disposed) {
      throw new Error(
        `${op}: the tensor (shape [${this.shape.join(', ')}]) was used after dispose() (inside tidy(), every tensor ` +
          'created there is disposed when it returns: return or keep() what you need afterwards)',
      );
    }
  }
  /** Nested JavaScript arrays (a number for a 0-d tensor; booleans for bool tensors). */
  toArray(): NestedArray {
    const values = this.dataSync();
    const asValue = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    if (this.ndim === 0) return asValue(values[0]!);
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const inner = stride / n;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] =
          dim === this.ndim - 1 ? asValue(values[offset + i]!) : build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.numel());
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(
        `item: a tensor with ${this.numel()} elements (shape [${this.shape.join(', ')}]) cannot be converted to a ` +
          'number; only one-element tensors can',
      );
    }
    return this.dataSync()[0]!;
  }
  toString(): string {
    return formatTensor(this);
  }

  // ---- conversion ---------------------------------------------------------------------------------------------
  /** Convert to a dtype, or move to a device ('cpu', 'webgl'). Returns this when nothing changes. */
  to(target: DType | string): Tensor {
    if (isDType(target)) return E.cast(this, target);
    return C.toDevice(this, target);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  /** A new tensor sharing this storage, detached from the graph. */
  detach(): Tensor {
    return new Tensor(this.handle, this.shape, this.dtype, this._backend, this._version);
  }
  clone(): Tensor {
    return S.clone(this);
  }
  /** A detached copy in the CPU kernels' wasm memory where there is one (see pinMemory in ops/creation.ts). */
  pinMemory(): Tensor {
    return C.pinMemory(this);
  }
  /** Whether this tensor's storage is pinned in the CPU kernels' wasm memory (PyTorch's is_pinned). */
  isPinned(): boolean {
    return isPinnedBlock(this.handle);
  }
  contiguous(): Tensor {
    return this;
  }
  onesLike(): Tensor {
    return C.full(this.shape, 1, { dtype: this.dtype, device: this.device });
  }

  // ---- elementwise --------------------------------------------------------------------------------------------
  add(other: Tensor | number, alpha?: number): Tensor {
    return E.add(this, other, alpha);
  }
  sub(other: Tensor | number, alpha?: number): Tensor {
    return E.sub(this, other, alpha);
  }
  mul(other: Tensor | number): Tensor {
    return E.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return E.div(this, other);
  }
  pow(exponent: Tensor | number): Tensor {
    return E.pow(this, exponent);
  }
  maximum(other: Tensor): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: Tensor): Tensor {
    return E.minimum(this, other);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  square(): Tensor {
    return E.square(this);
  }
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  floor(): Tensor {
    return E.floor(this);
  }
  sin(): Tensor {
    return E.sin(this);
  }
  cos(): Tensor {
    return E.cos(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return E.leakyRelu(this, negativeSlope);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  eq(other: Tensor | number): Tensor {
    return E.eq(this, other);
  }
  ne(other: Tensor | number): Tensor {
    return E.ne(this, other);
  }
  gt(other: Tensor | number): Tensor {
    return E.gt(this, other);
  }
  ge(other: Tensor | number): Tensor {
    return E.ge(this, other);
  }
  lt(other: Tensor | number): Tensor {
    return E.lt(this, other);
  }
  le(other: Tensor | number): Tensor {
    return E.le(this, other);
  }
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  logicalAnd(other: Tensor): Tensor {
    return E.logicalAnd(this, other);
  }
  logicalOr(other: Tensor): Tensor {
    return E.logicalOr(this, other);
  }
  where(condition: Tensor, other: Tensor | number): Tensor {
    return E.where(condition, this, other);
  }

  // ---- reductions ---------------------------------------------------------------------------------------------
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? R.max(this) : R.maxDim(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? R.min(this) : R.minDim(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  var(dim?: number | readonly number[] | null, options?: R.VarOptions): Tensor {
    return R.variance(this, dim, options);
  }
  std(dim?: number | readonly number[] | null, options?: R.VarOptions): Tensor {
    return R.std(this, dim, options);
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }
  all(): Tensor {
    return R.all(this);
  }
  any(): Tensor {
    return R.any(this);
  }
  softmax(dim: number): Tensor {
    return N.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return N.logSoftmax(this, dim);
  }

  // ---- linear algebra -----------------------------------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return L.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  dot(other: Tensor): Tensor {
    return L.dot(this, other);
  }
  /** Transpose of a matrix (0-d and 1-d tensors are returned as they are). */
  t(): Tensor {
    return L.t(this);
  }
  get T(): Tensor {
    return L.t(this);
  }

  // ---- shape --------------------------------------------------------------------------------------------------
  /** A tensor with the same data and a new shape (one size may be -1). Shares storage. */
  reshape(...shape: ShapeArgs): Tensor {
    return S.reshape(this, shapeArgs(shape));
  }
  view(...shape: ShapeArgs): Tensor {
    return S.reshape(this, shapeArgs(shape));
  }
  viewAs(other: Tensor): Tensor {
    return S.reshape(this, other.shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return S.flatten(this, startDim, endDim);
  }
  squeeze(dim?: number): Tensor {
    return S.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return S.unsqueeze(this, dim);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return S.transpose(this, dim0, dim1);
  }
  permute(...dims: ShapeArgs): Tensor {
    return S.permute(this, shapeArgs(dims));
  }
  expand(...sizes: ShapeArgs): Tensor {
    return S.expand(this, shapeArgs(sizes));
  }
  expandAs(other: Tensor): Tensor {
    return S.expand(this, other.shape);
  }
  repeat(...reps: ShapeArgs): Tensor {
    return S.repeat(this, shapeArgs(reps));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return S.narrow(this, dim, start, length);
  }
  /** Elements start, start+step, ... before end along `dim` (Python's x[start:end:step]; negatives count back). */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return S.slice(this, dim, start, end, step);
  }
  /** The sub-tensor at `index` along `dim`, with that dimension removed (x[i] for dim 0). */
  select(dim: number, index: number): Tensor {
    return S.select(this, dim, index);
  }
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return S.split(this, splitSizeOrSections, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return S.chunk(this, chunks, dim);
  }
  unbind(dim = 0): Tensor[] {
    return S.unbind(this, dim);
  }

  // ---- indexing -----------------------------------------------------------------------------------------------
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return I.scatter(this, dim, index, src);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return I.maskedFill(this, mask, value);
  }

  // ---- in place -----------------------------------------------------------------------------------------------
  /** this += alpha * other, in place (alpha defaults to 1). */
  add_(other: Tensor | number, alpha?: number): this {
    return P.addScaled_(this, other, alpha ?? 1, 'add_');
  }
  /** this -= alpha * other, in place (alpha defaults to 1). */
  sub_(other: Tensor | number, alpha?: number): this {
    return P.addScaled_(this, other, -(alpha ?? 1), 'sub_');
  }
  mul_(other: Tensor | number): this {
    return P.inplace(this, 'mul_', (x) => E.mul(x, other), [other]);
  }
  div_(other: Tensor | number): this {
    return P.inplace(this, 'div_', (x) => E.div(x, other), [other]);
  }
  clamp_(min?: number | null, max?: number | null): this {
    return P.inplace(this, 'clamp_', (x) => E.clamp(x, min, max));
  }
  copy_(src: Tensor): this {
    return P.copy_(this, src);
  }
  zero_(): this {
    return P.fill_(this, 0, 'zero_');
  }
  fill_(value: number): this {
    return P.fill_(this, value, 'fill_');
  }
  uniform_(low = 0, high = 1): this {
    return P.uniform_(this, low, high);
  }
  normal_(mean = 0, std = 1): this {
    return P.normal_(this, mean, std);
  }
}
