/**
 * The CPU backend's WebAssembly SIMD kernels: BatchMatMul, Conv2D and its two backprops, max and average pooling
 * and their backprops, Sigmoid and SigmoidGrad, Add, Sub, Mul and RealDiv, and Sum, in float32. Each takes its
 * result's place first (`allocResult`: a block of wasm memory for results made inside `tidy` over shared memory,
 * else scratch), copies in the operands that are not already in wasm memory, runs the AssemblyScript kernel
 * (assembly/), and returns the block, or copies the result out into a (recycled) Float32Array, which becomes the
 * output tensor's storage. Validation and error messages are the TypeScript
 * kernels' own; other dtypes (float64 for gradient checks), products too small to pay for the copies, and calls
 * whose operands do not fit in wasm memory run the TypeScript kernel.
 */
import type { KernelFn, TensorInfo } from '../../../backend.js';
import type {
  AvgPool2DGradAttrs,
  BatchMatMulAttrs,
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  Pool2DAttrs,
  ReduceAttrs,
} from '../../../kernel_names.js';
import { broadcastShapes, shapesEqual, sizeOf } from '../../../shape.js';
import { type ConvGeometry, checkDy, geometry } from '../conv2d.js';
import { broadcastStrides, checkActivationGrad, collapseDims } from '../elementwise.js';
import { matmulGeometry } from '../matmul.js';
import { checkPoolDy, type PoolGeometry, poolGeometry } from '../pool.js';
import { reducePasses } from '../reduce.js';
import type { WasmArena } from './module.js';
import type { WorkerCall } from './threads.js';

export { THREADS_MIN_MACS } from './threads.js';

/**
 * Products with fewer multiply-adds than this run in TypeScript: below it, the fixed cost of a wasm call (arena,
 * two copies in, one out) exceeds what SIMD saves. Measured (process CPU time, median of 9): 4x4x4 takes 0.08 us in
 * TypeScript and 0.19 us in wasm; at 8x8x8 (512) wasm wins, 0.48 against 0.56 us; at 10x30x10 (the second layer of
 * Nielsen's MLP) 1.0 against 2.6 us.
 */
export const WASM_MIN_MACS = 512;

/**
 * `count` sgemm calls (batch strides in bytes) on two threads when worthwhile: a single product splits its rows
 * (at a multiple of the 4-row register tile), a batch splits its items. Otherwise runs them here.
 */
function sgemmBatch(
  arena: WasmArena,
  m: number,
  n: number,
  k: number,
  a: number,
  ars: number,
  acs: number,
  b: number,
  brs: number,
  bcs: number,
  c: number,
  count: number,
  aBatchBytes: number,
  bBatchBytes: number,
): void {
  const wasm = arena.exports;
  const cBatchBytes = m * n * 4;
  // sgemm's arguments for item i (accumulate 0: overwrite), for this thread or the worker's call list.
  const item = (i: number): [number, ...number[]] => [
    m,
    n,
    k,
    a + i * aBatchBytes,
    ars,
    acs,
    b + i * bBatchBytes,
    brs,
    bcs,
    c + i * cBatchBytes,
    n,
    0,
  ];
  const sgemm = wasm.sgemm as unknown as (...args: number[]) => void;
  const run = (from: number, to: number) => {
    for (let i = from; i < to; i++) sgemm(...item(i));
  };
  const pool = arena.threads ? arena.pool : null;
  if (!pool || count * m * n * k < arena.threadsMinMacs || !pool.ready()) {
    run(0, count);
    return;
  }
  if (count >= 2) {
    // Rounds of up to 32 items (the worker's 16 calls fill its control block), each split in two.
    for (let start = 0; start < count; start += 32) {
      const end = Math.min(count, start + 32);
      if (end - start < 2) {
        run(start, end);
        continue;
      }
      const half = start + ((end - start) >> 1);
      const calls: WorkerCall[] = [];
      for (let i = half; i < end; i++) calls.push(['sgemm', ...item(i)]);
      pool.run(calls, () => run(start, half));
    }
    return;
  }
  if (m < 8) {
    run(0, count);
    return;
  }
  const top = ((m >> 1) + 3) & ~3;
  pool.run([['sgemm', m - top, n, k, a + top * ars * 4, ars, acs, b, brs, bcs, c + top * n * 4, n, 0]], () =>
    wasm.sgemm(top, n, k, a, ars, acs, b, brs, bcs, c, n, false),
  );
}

/**
 * Compute the independent rows (or columns, or elements) [0, total) with `here(0, total)`, or on two threads where
 * the arena may split, its worker is ready, the call is `large` and each side gets at least one `block`: `here(0,
 * half)` beside the worker's `worker(half, total)` (the same export call as a message), with half a multiple of
 * `block` (a kernel's register block, so that every part is computed as in one call: the same bits). The direct call
 * stays a plain call: building an argument array and spreading it into a wasm export measured ~30% slower on
 * Nielsen's MLP step.
 */
function splitRange(
  arena: WasmArena,
  total: number,
  block: number,
  large: boolean,
  here: (from: number, to: number) => void,
  worker: (from: number, to: number) => WorkerCall,
): void {
  const pool = arena.threads ? arena.pool : null;
  const half = Math.floor(total / 2 / block) * block;
  if (!pool || !large || half === 0 || !pool.ready()) {
    here(0, total);
    return;
  }
  pool.run([worker(half, total)], () => here(0, half));
}

/** Run `body` on the arena; a call whose operands cannot fit in wasm memory (RangeError on grow) runs `fallback`. */
function withArena(arena: WasmArena, body: () => TensorInfo, fallback: () => TensorInfo): TensorInfo {
  arena.reset();
  try {
    return body();
  } catch (error) {
    if (error instanceof RangeError) return fallback();
    throw error;
  } finally {
    arena.reset();
  }
}

/**
 * The thin products that assembly/skinny.ts computes without packing, or null for the packed GEMM:
 * - 'rowDots': x W^T with few rows (a linear layer's forward at a small batch): A row-major [rows, k] (the batch
 *   folds into the rows when B is shared) times B stored [n, k], when rows <= SKINNY_MAX_ROWS.
 * - 'rowSums': x W with few rows (network3's layers keep W as [in, out]): A row-major [rows, k] times B [k, n],
 *   when rows <= SKINNY_MAX_ROWS (outerSums over A's rows).
 * - 'outerSums': A^T B with a short depth (a linear layer's weight gradient dy^T x): A stored [k, m], B [k, n], one
 *   product, when k <= SKINNY_MAX_DEPTH.
 */
function skinnyKernel(g: ReturnType<typeof matmulGeometry>): 'rowDots' | 'rowSums' | 'outerSums' | null {
  const { batch, batchB, m, k, transposeA, transposeB } = g;
  if (!transposeA && batchB === 1 && batch * m <= SKINNY_MAX_ROWS) {
    if (transposeB && k >= 8) return 'rowDots';
    if (!transposeB) return 'rowSums';
  }
  if (transposeA && !transposeB && batch === 1 && k <= SKINNY_MAX_DEPTH) return 'outerSums';
  return null;
}

/** Limits of the thin-product kernels (measured: see docs/benchmarks.md, "The GEMM for thin products"). */
export const SKINNY_MAX_ROWS = 16;
export const SKINNY_MAX_DEPTH = 16;

/**
 * BatchMatMul in wasm (float32); the same contract as matmul.ts's `batchMatMul`. Products under `minMacs`
 * multiply-adds run `tsKernel` (tests pass 0 to send every size through wasm).
 */
export function wasmBatchMatMul(arena: WasmArena, tsKernel: KernelFn, minMacs = WASM_MIN_MACS): KernelFn {
  return (inputs, attrs, backend) => {
    const aInfo = inputs[0]!;
    const bInfo = inputs[1]!;
    if (aInfo.dtype !== 'float32' || bInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = matmulGeometry(inputs, attrs as BatchMatMulAttrs);
    const { batch, batchA, batchB, m, n, k, transposeA, transposeB } = g;
    if (batch * m * n * k < minMacs) return tsKernel(inputs, attrs, backend);
    return withArena(
      arena,
      () => {
        // The result first: a new resident block goes at the end of the tensor blocks, below this call's scratch.
        const c = arena.allocResult(batch * m * n);
        const a = arena.copyIn(aInfo.handle as Float32Array, batchA * m * k);
        const b = arena.copyIn(bInfo.handle as Float32Array, batchB * k * n);
        const skinny = skinnyKernel(g);
        // Thin products split across two threads from 2^18 multiply-adds, each part computed as in one call (the
        // same bits): the weight gradient's (dW = A^T B, hundreds of result rows) by rows; those with at most 16
        // rows by columns, at a multiple of the kernel's column block (rowDots: 4 rows of B; rowSums: 16 columns).
        // Splitting the few rows instead ran slower than one thread (halves of 5-8 rows: the 2-row register tile's
        // odd row, and the shared operand read twice; Nielsen's x W forward 47 -> 60 us).
        const macs = batch * m * n * k;
        const e = arena.exports;
        const rows = batch * m;
        const large = macs >= arena.threadsMinMacs / 8;
        if (skinny === 'rowDots') {
          splitRange(
            arena,
            n,
            4,
            large,
            (from, to) => e.rowDots(rows, to - from, k, a, b + from * k * 4, c + from * 4, n),
            (from, to) => ['rowDots', rows, to - from, k, a, b + from * k * 4, c + from * 4, n],
          );
        } else if (skinny === 'rowSums') {
          splitRange(
            arena,
            n,
            16,
            large,
            (from, to) => e.outerSums(rows, to - from, k, a, 4, k * 4, b + from * 4, c + from * 4, n),
            (from, to) => ['outerSums', rows, to - from, k, a, 4, k * 4, b + from * 4, c + from * 4, n],
          );
        } else if (skinny === 'outerSums') {
          // Result row i is column i of A, stored [k, m].
          splitRange(
            arena,
            m,
            1,
            large,
            (from, to) => e.outerSums(to - from, n, k, a + from * 4, m * 4, 4, b, c + from * n * 4, n),
            (from, to) => ['outerSums', to - from, n, k, a + from * 4, m * 4, 4, b, c + from * n * 4, n],
          );
        }
        if (skinny !== null) {
          return { handle: arena.copyOut(c, batch * m * n), shape: [batch, m, n], dtype: 'float32' };
        }
        const aRowStride = transposeA ? 1 : k;
        const aColStride = transposeA ? m : 1;
        const bRowStride = transposeB ? 1 : n;
        const bColStride = transposeB ? k : 1;
        if (batchB === 1 && !transposeA) {
          // One shared right operand and row-major A: the batch folds into the rows of one larger product.
          sgemmBatch(
            arena,
            batch * m,
            n,
            k,
            a,
            aRowStride,
            aColStride,
            b,
            bRowStride,
            bColStride,
            c,
            1,
            0,
            0,
          );
        } else {
          const aBatchBytes = batchA === 1 ? 0 : m * k * 4;
          const bBatchBytes = batchB === 1 ? 0 : k * n * 4;
          sgemmBatch(
            arena,
            m,
            n,
            k,
            a,
            aRowStride,
            aColStride,
            b,
            bRowStride,
            bColStride,
            c,
            batch,
            aBatchBytes,
            bBatchBytes,
          );
        }
        return { handle: arena.copyOut(c, batch * m * n), shape: [batch, m, n], dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** setConvGeometry's arguments for `g`, with `batch` images. */
function geometryArgs(g: ConvGeometry, batch = g.batch): number[] {
  return [
    batch,
    g.inChannels,
    g.height,
    g.width,
    g.outChannels,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.groups,
    convWinograd ? 1 : 0,
  ];
}

type Env = Record<string, string | undefined>;
/**
 * Whether conv2d's forward pass and filter gradient may use Winograd's F(2x2, 5x5) and F(5x5, 2x2)
 * (NNDL_CONV_WINOGRAD=0 turns them off).
 */
let convWinograd = winogradSetting(
  (globalThis as { process?: { env?: Env } }).process?.env?.NNDL_CONV_WINOGRAD,
);

/** NNDL_CONV_WINOGRAD's value: unset or '1' on, '0' off; anything else is refused (a typo must not pass silently). */
export function winogradSetting(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`NNDL_CONV_WINOGRAD must be '0' (off) or '1' (on, the default), got '${value}'`);
}

/**
 * Let the wasm conv2d forward pass and filter gradient use Winograd's F(2x2, 5x5) and F(5x5, 2x2) (5x5 filters,
 * stride 1, no dilation, at least 8 input channels per group, outputs of at least 4x4, at most 4 MiB of transforms),
 * or not. On by default: 1.5-1.7x faster for network3's second layer, results within 1e-5 of the largest magnitude
 * (the direct GEMM: within 2e-6). Returns the previous setting. Process-wide, for all CPU backends.
 */
export function setConvWinograd(on: boolean): boolean {
  if (typeof on !== 'boolean')
    throw new Error(`setConvWinograd: expected true or false, got ${JSON.stringify(on)}`);
  const previous = convWinograd;
  convWinograd = on;
  return previous;
}

function setGeometry(arena: WasmArena, g: ConvGeometry, batch = g.batch): void {
  (arena.exports.setConvGeometry as (...args: number[]) => void)(...geometryArgs(g, batch));
}

/**
 * Images the main thread takes when a convolution splits its batch across two threads (the worker takes the rest),
 * or 0 to run it all here: too small (arena.threadsMinMacs), one image, or no ready worker.
 */
function convSplit(arena: WasmArena, g: ConvGeometry): number {
  const pool = arena.threads ? arena.pool : null;
  if (!pool || g.batch < 2 || g.batch * g.outChannels * g.colRows * g.colCols < arena.threadsMinMacs)
    return 0;
  return pool.ready() ? g.batch >> 1 : 0;
}

/**
 * Run conv kernel `fn` (operands: image-major input, shared operand, image-major output, scratch) on the whole
 * batch, or on two threads split by image. Byte sizes of one image of the input and output are given.
 */
function runConv(
  arena: WasmArena,
  g: ConvGeometry,
  fn: 'conv2dForward' | 'conv2dBackpropInput',
  input: number,
  shared: number,
  output: number,
  inImage: number,
  outImage: number,
): void {
  const col = convScratch(arena, g);
  const half = convSplit(arena, g);
  if (half === 0) {
    setGeometry(arena, g);
    arena.exports[fn](input, shared, output, col);
    return;
  }
  const col2 = convScratch(arena, g);
  arena.pool!.run(
    [
      ['setConvGeometry', ...geometryArgs(g, g.batch - half)],
      [fn, input + half * inImage, shared, output + half * outImage, col2],
    ],
    () => {
      setGeometry(arena, g, half);
      arena.exports[fn](input, shared, output, col);
    },
  );
}

/**
 * One thread's scratch for a conv call of geometry `g` (packed operands, the column matrix of the input gradient):
 * its size does not depend on the batch, so one block serves either half of a split call.
 */
function convScratch(arena: WasmArena, g: ConvGeometry): number {
  setGeometry(arena, g);
  return arena.alloc(Math.ceil(arena.exports.convScratchBytes() / 4));
}

/**
 * Conv2D and Conv2DBackpropInput share one shape: an image-major operand (x, or dy) and the filter in, an image-major
 * result (y, or dx) out, computed image by image (on two threads for large batches, see runConv).
 */
function imageMajorConv(
  op: 'conv2d' | 'conv2dBackpropInput',
  fn: 'conv2dForward' | 'conv2dBackpropInput',
  arena: WasmArena,
  tsKernel: KernelFn,
): KernelFn {
  return (inputs, attrs, backend) => {
    const inInfo = inputs[0]!;
    const wInfo = inputs[1]!;
    if (inInfo.dtype !== 'float32' || wInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const forward = op === 'conv2d';
    const inputShape = forward ? inInfo.shape : (attrs as Conv2DBackpropInputAttrs).inputShape;
    const g = geometry(op, inputShape, wInfo.shape, attrs as Conv2DAttrs);
    if (!forward) checkDy(op, inInfo.shape, g);
    const xImage = g.inChannels * g.height * g.width;
    const yImage = g.outChannels * g.colCols;
    const [inImage, outImage] = forward ? [xImage, yImage] : [yImage, xImage];
    return withArena(
      arena,
      () => {
        const out = arena.allocResult(g.batch * outImage);
        const input = arena.copyIn(inInfo.handle as Float32Array, g.batch * inImage);
        const w = arena.copyIn(wInfo.handle as Float32Array, g.outChannels * g.colRows);
        runConv(arena, g, fn, input, w, out, inImage * 4, outImage * 4);
        const shape = forward
          ? [g.batch, g.outChannels, g.outH, g.outW]
          : [g.batch, g.inChannels, g.height, g.width];
        return { handle: arena.copyOut(out, g.batch * outImage), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** Conv2D in wasm (float32); the same contract as conv2d.ts's `conv2d`. */
export function wasmConv2d(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return imageMajorConv('conv2d', 'conv2dForward', arena, tsKernel);
}

/** Conv2DBackpropInput in wasm (float32); the same contract as conv2d.ts's `conv2dBackpropInput`. */
export function wasmConv2dBackpropInput(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return imageMajorConv('conv2dBackpropInput', 'conv2dBackpropInput', arena, tsKernel);
}

/** Conv2DBackpropFilter in wasm (float32); the same contract as conv2d.ts's `conv2dBackpropFilter`. */
export function wasmConv2dBackpropFilter(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const xInfo = inputs[0]!;
    const dyInfo = inputs[1]!;
    if (xInfo.dtype !== 'float32' || dyInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const a = attrs as Conv2DBackpropFilterAttrs;
    const g = geometry('conv2dBackpropFilter', xInfo.shape, a.filterShape, a);
    checkDy('conv2dBackpropFilter', dyInfo.shape, g);
    return withArena(
      arena,
      () => {
        const dwSize = g.outChannels * g.colRows;
        const dw = arena.allocResult(dwSize);
        const x = arena.copyIn(xInfo.handle as Float32Array, g.batch * g.inChannels * g.height * g.width);
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.batch * g.outChannels * g.colCols);
        const col = convScratch(arena, g);
        const shape = [g.outChannels, g.groupIn, g.kernelH, g.kernelW];
        // The filter gradient is a sum over images. Above the split size it is always summed as two halves, added
        // in the same order, whether or not a second thread takes one (the worker may still be starting, or threads
        // may be off): results then never depend on thread timing, and a seeded run stays reproducible.
        const macs = g.batch * g.outChannels * g.colRows * g.colCols;
        const half = g.batch >= 2 && macs >= arena.threadsMinMacs ? g.batch >> 1 : 0;
        if (half === 0) {
          setGeometry(arena, g);
          arena.exports.conv2dBackpropFilter(x, dy, dw, col);
          return { handle: arena.copyOut(dw, dwSize), shape, dtype: 'float32' };
        }
        const dw2 = arena.alloc(dwSize);
        const col2 = convScratch(arena, g);
        const xImage = g.inChannels * g.height * g.width * 4;
        const dyImage = g.outChannels * g.colCols * 4;
        if (convSplit(arena, g) === half) {
          // Two threads: each sums the gradient over its images into its own buffer.
          arena.pool!.run(
            [
              ['setConvGeometry', ...geometryArgs(g, g.batch - half)],
              ['conv2dBackpropFilter', x + half * xImage, dy + half * dyImage, dw2, col2],
            ],
            () => {
              setGeometry(arena, g, half);
              arena.exports.conv2dBackpropFilter(x, dy, dw, col);
            },
          );
        } else {
          // One thread, the same two halves one after the other.
          setGeometry(arena, g, half);
          arena.exports.conv2dBackpropFilter(x, dy, dw, col);
          (arena.exports.setConvGeometry as (...args: number[]) => void)(...geometryArgs(g, g.batch - half));
          arena.exports.conv2dBackpropFilter(x + half * xImage, dy + half * dyImage, dw2, col2);
        }
        // dw + dw2 in wasm (f32 adds, the same sums as in JavaScript), then one copy out.
        arena.exports.addFloats(dw, dw2, dwSize);
        return { handle: arena.copyOut(dw, dwSize), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/**
 * Run a pooling export over planes [0, g.planes): `here(from)` calls it directly for the planes from `from` on, and
 * `worker(from)` is the same call as a message (each thread first sets its pool geometry to its plane count). On two threads
 * (each with its own pool geometry: the worker's instance has its own globals) where the input has at least
 * threadsMinMacs / 128 elements (2^14: both layers of Nielsen's net, 115,200 and 25,600 inputs; the second layer's split
 * measured 1.64 -> 1.61 ms per two-thread step, five alternating runs) and the worker is ready and allowed.
 */
function splitPlanes(
  arena: WasmArena,
  g: PoolGeometry,
  here: (from: number) => void,
  worker: (from: number) => WorkerCall,
): void {
  const pool = arena.threads ? arena.pool : null;
  const large = g.planes * g.height * g.width >= arena.threadsMinMacs / 128;
  if (!pool || !large || g.planes < 2 || !pool.ready()) {
    setPoolGeometry(arena, g);
    here(0);
    return;
  }
  const half = g.planes >> 1;
  pool.run([['setPoolGeometry', ...poolGeometryArgs(g, g.planes - half)], worker(half)], () => {
    setPoolGeometry(arena, g, half);
    here(0);
  });
}

function poolGeometryArgs(g: PoolGeometry, planes: number): number[] {
  return [
    planes,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.outH,
    g.outW,
  ];
}

function setPoolGeometry(arena: WasmArena, g: PoolGeometry, planes = g.planes): void {
  (arena.exports.setPoolGeometry as (...args: number[]) => void)(...poolGeometryArgs(g, planes));
}

/** MaxPool2D or AvgPool2D in wasm (float32); the same contracts as pool.ts's kernels. */
export function wasmPool2d(arena: WasmArena, tsKernel: KernelFn, kind: 'max' | 'avg'): KernelFn {
  const op = kind === 'max' ? 'maxPool2d' : 'avgPool2d';
  return (inputs, attrs, backend) => {
    const xInfo = inputs[0]!;
    if (xInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = poolGeometry(op, xInfo.shape, attrs as Pool2DAttrs);
    return withArena(
      arena,
      () => {
        const outSize = g.planes * g.outH * g.outW;
        const out = arena.allocResult(outSize);
        const x = arena.copyIn(xInfo.handle as Float32Array, g.planes * g.height * g.width);
        const inPlane = g.height * g.width * 4;
        const outPlane = g.outH * g.outW * 4;
        const e = arena.exports;
        splitPlanes(
          arena,
          g,
          (from) =>
            kind === 'max'
              ? e.maxPool2d(x + from * inPlane, out + from * outPlane)
              : e.avgPool2d(x + from * inPlane, out + from * outPlane),
          (from) => [op, x + from * inPlane, out + from * outPlane],
        );
        const shape = [xInfo.shape[0]!, xInfo.shape[1]!, g.outH, g.outW];
        return { handle: arena.copyOut(out, outSize), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** MaxPool2DGrad (inputs dy, x) in wasm (float32); the same contract as pool.ts's `maxPool2dGrad`. */
export function wasmMaxPool2dGrad(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const dyInfo = inputs[0]!;
    const xInfo = inputs[1]!;
    if (dyInfo.dtype !== 'float32' || xInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const g = poolGeometry('maxPool2dGrad', xInfo.shape, attrs as Pool2DAttrs);
    checkPoolDy('maxPool2dGrad', dyInfo.shape, xInfo.shape, g);
    return withArena(
      arena,
      () => {
        const size = g.planes * g.height * g.width;
        const dx = arena.allocResult(size);
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.planes * g.outH * g.outW);
        const x = arena.copyIn(xInfo.handle as Float32Array, size);
        const inPlane = g.height * g.width * 4;
        const outPlane = g.outH * g.outW * 4;
        splitPlanes(
          arena,
          g,
          (from) =>
            arena.exports.maxPool2dGrad(dy + from * outPlane, x + from * inPlane, dx + from * inPlane),
          (from) => ['maxPool2dGrad', dy + from * outPlane, x + from * inPlane, dx + from * inPlane],
        );
        return { handle: arena.copyOut(dx, size), shape: xInfo.shape.slice(), dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** AvgPool2DGrad (input dy) in wasm (float32); the same contract as pool.ts's `avgPool2dGrad`. */
export function wasmAvgPool2dGrad(arena: WasmArena, tsKernel: KernelFn): KernelFn {
  return (inputs, attrs, backend) => {
    const dyInfo = inputs[0]!;
    if (dyInfo.dtype !== 'float32') return tsKernel(inputs, attrs, backend);
    const a = attrs as AvgPool2DGradAttrs;
    const g = poolGeometry('avgPool2dGrad', a.inputShape, a);
    checkPoolDy('avgPool2dGrad', dyInfo.shape, a.inputShape, g);
    return withArena(
      arena,
      () => {
        const size = g.planes * g.height * g.width;
        const dx = arena.allocResult(size);
        const dy = arena.copyIn(dyInfo.handle as Float32Array, g.planes * g.outH * g.outW);
        const inPlane = g.height * g.width * 4;
        const outPlane = g.outH * g.outW * 4;
        splitPlanes(
          arena,
          g,
          (from) => arena.exports.avgPool2dGrad(dy + from * outPlane, dx + from * inPlane),
          (from) => ['avgPool2dGrad', dy + from * outPlane, dx + from * inPlane],
        );
        return { handle: arena.copyOut(dx, size), shape: a.inputShape.slice(), dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/**
 * Elementwise kernels with fewer elements than this run in TypeScript (the fixed cost of a wasm call and its
 * copies). Measured with sigmoid: at 1,000 elements wasm with its copies takes 3.7 us against 10.4 in TypeScript.
 */
export const WASM_MIN_ELEMENTS = 32;

/** Sigmoid in wasm (float32): a vectorized exp (assembly/elementwise.ts), within a few ulps of the TypeScript kernel. */
export function wasmSigmoid(arena: WasmArena, tsKernel: KernelFn, minElements = WASM_MIN_ELEMENTS): KernelFn {
  return wasmElementwise(
    arena,
    tsKernel,
    minElements,
    (x, out, n) => arena.exports.sigmoidF32(x, out, n),
    'sigmoidF32',
  );
}

/** SigmoidGrad in wasm (float32): dy y (1 - y) in double precision, the same bits as the TypeScript kernel. */
export function wasmSigmoidGrad(
  arena: WasmArena,
  tsKernel: KernelFn,
  minElements = WASM_MIN_ELEMENTS,
): KernelFn {
  const run = wasmElementwise(
    arena,
    tsKernel,
    minElements,
    (y, dy, out, n) => arena.exports.sigmoidGradF32(y, dy, out, n),
    'sigmoidGradF32',
  );
  return (inputs, attrs, backend) => {
    checkActivationGrad('SigmoidGrad', inputs[0]!, inputs[1]!);
    return run(inputs, attrs, backend);
  };
}

/**
 * An elementwise kernel in wasm over inputs of one shape: each float32 input copied in, `run(...inputAddresses,
 * outAddress, n)`, the result copied out. Other dtypes and tensors under `minElements` run `tsKernel`. From
 * arena.threadsMinMacs / 128 elements (2^14) the worker, where there is one, takes the second half (`workerExport`,
 * the same export): every element is computed alone, and the halves split at a multiple of 16 elements so that each
 * side's vector loop covers the same elements as one call would (the same bits).
 */
function wasmElementwise(
  arena: WasmArena,
  tsKernel: KernelFn,
  minElements: number,
  run: (...addressesAndCount: number[]) => void,
  workerExport: 'sigmoidF32' | 'sigmoidGradF32',
): KernelFn {
  return (inputs, attrs, backend) => {
    const first = inputs[0]!;
    const n = (first.handle as Float32Array).length;
    if (first.dtype !== 'float32' || n < minElements) return tsKernel(inputs, attrs, backend);
    return withArena(
      arena,
      () => {
        const out = arena.allocResult(n);
        const addresses = inputs.map((t) => arena.copyIn(t.handle as Float32Array, n));
        splitRange(
          arena,
          n,
          16,
          n >= arena.threadsMinMacs / 128,
          (_, to) => run(...addresses, out, to),
          (from, to) => [workerExport, ...addresses.map((a) => a + from * 4), out + from * 4, to - from],
        );
        return { handle: arena.copyOut(out, n), shape: first.shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/** binaryF32's operation codes. */
const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/**
 * Float32 Add, Sub, Mul and RealDiv with fewer output elements than this run in TypeScript. The wasm path pays a
 * fixed cost (arena, the copies' calls) and copies of the full operand(s) in and of the result out for SIMD
 * arithmetic; the JavaScript loop takes 1-3 ns per element. Measured (median of 7, one thread, each kernel as the
 * backend runs it): one shape, 128 floats 0.76 us in wasm against 0.65 in TypeScript, 256 floats 0.92 against 1.15,
 * 4,096 floats 4.5 against 12.9; a per-channel bias, [8, 4, 4] + [4, 1] 1.23 against 1.21, [16, 4, 4] + [4, 1]
 * 1.46 against 1.96.
 */
export const WASM_MIN_BINARY = 256;

/**
 * How binaryF32 computes a float32 `a op b`: [outer, channels, inner, mode, output shape] (mode 0: both operands
 * full; 1: b one value per channel of [outer, channels, inner], a full; 2: a per channel, b full), or null where the broadcast is of
 * another kind (both operands broadcast, or the smaller one not one contiguous run of the output's middle dims).
 * Throws as the TypeScript kernel does when the shapes do not broadcast.
 */
export function binaryPlan(
  aShape: readonly number[],
  bShape: readonly number[],
  name: string,
): [number, number, number, 0 | 1 | 2, readonly number[]] | null {
  if (shapesEqual(aShape, bShape)) return [1, 1, sizeOf(aShape), 0, aShape];
  const shape = broadcastShapes(aShape, bShape, name);
  const n = sizeOf(shape);
  const aFull = sizeOf(aShape) === n;
  const bFull = sizeOf(bShape) === n;
  // Size-1 dims aside, a full-size operand is laid out as the output: both full is the same-shape loop.
  if (aFull && bFull) return [1, 1, n, 0, shape];
  if (!aFull && !bFull) return null;
  const small = aFull ? bShape : aShape;
  const mode = aFull ? 1 : 2;
  // Merge the dims the small operand walks the same way as the output (broadcast, or contiguous with the next):
  // a per-channel operand leaves [outer, channels, inner] with strides [0, 1, 0], or a suffix of that.
  const [dims, , strides] = collapseDims(
    shape,
    broadcastStrides(shape, shape),
    broadcastStrides(small, shape),
  );
  const key = strides.join(',');
  if (key === '0') return [1, 1, dims[0]!, mode, shape];
  if (key === '0,1') return [dims[0]!, dims[1]!, 1, mode, shape];
  if (key === '1,0') return [1, dims[0]!, dims[1]!, mode, shape];
  if (key === '0,1,0') return [dims[0]!, dims[1]!, dims[2]!, mode, shape];
  return null;
}

/**
 * Add, Sub, Mul or RealDiv in wasm for float32 operands of one shape, or where one is a per-channel bias or a scalar
 * (binaryPlan): f32 arithmetic gives the TypeScript loop's bits. Other dtypes and broadcasts, and outputs under
 * `minElements`, run `tsKernel`.
 */
export function wasmBinary(
  arena: WasmArena,
  tsKernel: KernelFn,
  op: keyof typeof BINARY_OPS,
  minElements = WASM_MIN_BINARY,
): KernelFn {
  const code = BINARY_OPS[op];
  return (inputs, attrs, backend) => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    // Where wasm takes it, the output has as many elements as the larger operand.
    const larger = Math.max((a.handle as Float32Array).length, (b.handle as Float32Array).length);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || larger < minElements) {
      return tsKernel(inputs, attrs, backend);
    }
    const plan = binaryPlan(a.shape, b.shape, op);
    if (plan === null) return tsKernel(inputs, attrs, backend);
    const [outer, channels, inner, mode, shape] = plan;
    const n = outer * channels * inner;
    return withArena(
      arena,
      () => {
        const out = arena.allocResult(n);
        const av = arena.copyIn(a.handle as Float32Array, mode === 2 ? channels : n);
        const bv = arena.copyIn(b.handle as Float32Array, mode === 1 ? channels : n);
        arena.exports.binaryF32(code, av, bv, out, outer, channels, inner, mode);
        return { handle: arena.copyOut(out, n), shape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/**
 * Float32 Sums of fewer input elements than this run in TypeScript. Measured (median of 7, one thread): over the
 * last axis, [4, 16] 0.41 us in wasm against 0.36 in TypeScript and [4, 32] 0.43 against 0.46; over axis 0 wasm is
 * faster from the smallest sizes ([4, 16]: 0.47 against 0.95, the TypeScript kernel allocating its double row).
 */
export const WASM_MIN_SUM = 64;

/**
 * Sum in wasm for float32: the TypeScript kernel's passes (reduce.ts, reducePasses), each in double, rounded to
 * float32 between passes. Passes with an inner run (axis 0 of [N, F], the second pass of NCHW's [0, 2, 3]) add in
 * the TypeScript order and give its bits; passes over contiguous runs (the last axes) add in eight double lanes, so
 * a result may differ from the TypeScript kernel's in the last bit. Other dtypes, no axes, and inputs under
 * `minElements` run `tsKernel`.
 */
export function wasmSum(arena: WasmArena, tsKernel: KernelFn, minElements = WASM_MIN_SUM): KernelFn {
  return (inputs, attrs, backend) => {
    const x = inputs[0]!;
    const n = (x.handle as Float32Array).length;
    if (x.dtype !== 'float32' || n < minElements || n === 0) return tsKernel(inputs, attrs, backend);
    const { axes, keepDims } = attrs as unknown as ReduceAttrs;
    const { passes, outShape } = reducePasses(x.shape, axes, keepDims);
    if (passes.length === 0) return tsKernel(inputs, attrs, backend);
    return withArena(
      arena,
      () => {
        const [lastOuter, , lastInner] = passes[passes.length - 1]!;
        // The last pass writes the result (a resident block where the storage pool has one), the others scratch.
        const result = arena.allocResult(lastOuter * lastInner);
        let values = arena.copyIn(x.handle as Float32Array, n);
        let size = n;
        for (const [k, [outer, reduced, inner]] of passes.entries()) {
          size = outer * inner;
          const out = k === passes.length - 1 ? result : arena.alloc(size);
          const acc = inner > 1 ? arena.alloc(2 * inner) : 0; // inner doubles
          arena.exports.sumF32(values, out, outer, reduced, inner, acc);
          values = out;
        }
        return { handle: arena.copyOut(values, size), shape: outShape, dtype: 'float32' };
      },
      () => tsKernel(inputs, attrs, backend),
    );
  };
}

/**
 * Vectors shorter than this take the JavaScript loop in addScaledInPlace. The loop runs at 1-1.5 ns per element
 * (V8 does not vectorize it); wasm pays three copies (y and x in, y out: 8.5 us for 94 KB each, on a busy machine)
 * and then updates four floats per instruction (3.9 us for 23,520), 12 us in all against 36 us for the loop.
 */
export const WASM_MIN_ADD_SCALED = 2048;

/** y += alpha x in place through wasm (float32 arithmetic, the same bits as the JavaScript loop's float32 path). */
export function addScaledWasm(arena: WasmArena, y: Float32Array, x: Float32Array, alpha: number): void {
  const n = y.length;
  arena.reset();
  try {
    const a = arena.copyIn(y, n);
    const b = arena.copyIn(x, n);
    arena.exports.addScaledF32(a, b, n, alpha);
    // A resident y was updated in place.
    if (arena.addressOf(y) < 0) y.set(arena.view(a, n));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const a = Math.fround(alpha);
    for (let i = 0; i < n; i++) y[i] = y[i]! + Math.fround(a * x[i]!);
  } finally {
    arena.reset();
  }
}
