/**
 * Transforms, as torchvision.transforms. Image transforms work on a CHW float32 image; they are written once on a
 * plain array (`applyImage`) so that datasets can run them straight on a batch buffer without making a Tensor per
 * sample, and `apply` wraps the same code for a Tensor.
 */
import type { Generator, Tensor } from '@nndl/tensor';
import { generatorFrom, type RandomOptions } from './random.js';
import { isTensor, wrap } from './tensors.js';

/** A CHW float image as a plain array (the fast path of image transforms). */
export interface RawImage {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** How a transform is rebuilt in a worker: its name and its options. */
export interface TransformSpec {
  name: string;
  [option: string]: unknown;
}

/** A transform: `apply(input, rng)`. `rng` is the random stream to use (the DataLoader passes one per batch). */
export interface Transform<I = Tensor, O = Tensor> {
  apply(input: I, rng?: Generator): O;
  /** Present when the transform can be rebuilt in a worker. */
  toSpec?(): TransformSpec;
}

/** Base of transforms that map a CHW float image to a CHW float image. */
export abstract class ImageTransform implements Transform<Tensor, Tensor> {
  protected readonly generator: Generator | undefined;

  constructor(options: RandomOptions = {}) {
    this.generator = options.generator ?? (options.seed !== undefined ? generatorFrom(options) : undefined);
  }

  /** Whether `applyImage` can be used (a Compose of only image transforms). */
  get imageOnly(): boolean {
    return true;
  }

  /** Transform `image`; may reuse (mutate) its array. */
  abstract applyImage(image: RawImage, rng: Generator): RawImage;

  abstract toSpec(): TransformSpec;

  /** The generator to draw from: the caller's, else this transform's own, else the default one. */
  rng(rng: Generator | undefined): Generator {
    return rng ?? generatorFrom({ generator: this.generator });
  }

  apply(input: Tensor, rng?: Generator): Tensor {
    const image = tensorToImage(input, this.constructor.name);
    const out = this.applyImage(image, this.rng(rng));
    return wrap(
      out.data,
      input.shape.length === 2 ? [out.height, out.width] : [out.channels, out.height, out.width],
    );
  }
}

function tensorToImage(input: Tensor, owner: string): RawImage {
  if (!isTensor(input))
    throw new Error(`${owner}: expected a Tensor image of shape [C, H, W], got ${typeof input}`);
  const shape = input.shape;
  if (shape.length !== 3 && shape.length !== 2) {
    throw new Error(`${owner}: expected an image of shape [C, H, W] or [H, W], got [${shape.join(', ')}]`);
  }
  const [channels, height, width] = shape.length === 3 ? shape : [1, ...shape];
  // Copy: tensors' storage must not be mutated, and transforms work in place.
  const data = Float32Array.from(input.dataSync() as ArrayLike<number>);
  return { data, channels: channels!, height: height!, width: width! };
}

/**
 * Apply transforms one after another.
 *
 * @example
 * const augment = new Compose([new RandomShift(), new Normalize([0.1307], [0.3081])]);
 */
export class Compose extends ImageTransform {
  constructor(readonly transforms: readonly Transform<unknown, unknown>[]) {
    super();
  }

  override get imageOnly(): boolean {
    return this.transforms.every((t) => t instanceof ImageTransform && t.imageOnly);
  }

  override apply(input: Tensor, rng?: Generator): Tensor {
    let x: unknown = input;
    for (const t of this.transforms) x = t.apply(x, rng);
    return x as Tensor;
  }

  applyImage(image: RawImage, rng: Generator): RawImage {
    for (const t of this.transforms) image = (t as ImageTransform).applyImage(image, rng);
    return image;
  }

  toSpec(): TransformSpec {
    return { name: 'Compose', transforms: this.transforms.map((t) => specOf(t)) };
  }
}

/** Pixels as bytes, in rows of `width * channels` (HWC, as a canvas ImageData or a decoded PNG). */
export interface ImageLike {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: number;
}

/**
 * Bytes HWC (ImageData, decoded PNG) to a float32 CHW tensor in [0, 1], as torchvision's ToTensor. Tensors pass
 * through unchanged: this package's datasets already return them.
 *
 * @example
 * new ToTensor().apply(canvasContext.getImageData(0, 0, 28, 28)); // [4, 28, 28] (RGBA)
 */
export class ToTensor extends ImageTransform {
  override apply(input: Tensor | ImageLike): Tensor {
    if (isTensor(input)) return input;
    const { data, width, height } = input;
    const channels = input.channels ?? data.length / (width * height);
    if (!Number.isInteger(channels) || channels * width * height !== data.length) {
      throw new Error(
        `ToTensor: ${data.length} bytes don't make a ${height}x${width} image with a whole number of channels`,
      );
    }
    const out = new Float32Array(data.length);
    const plane = width * height;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < channels; c++) out[c * plane + p] = BYTE_TO_UNIT[data[p * channels + c]!]!;
    }
    return wrap(out, [channels, height, width]);
  }

  applyImage(image: RawImage): RawImage {
    return image;
  }

  toSpec(): TransformSpec {
    return { name: 'ToTensor' };
  }
}

/** k / 255 in float32 for every byte k: the exact values of torchvision's `ToTensor`. */
export const BYTE_TO_UNIT: Float32Array = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/**
 * (x - mean[c]) / std[c] per channel.
 *
 * @example
 * new Normalize([0.1307], [0.3081]); // MNIST's mean and standard deviation
 */
export class Normalize extends ImageTransform {
  readonly mean: number[];
  readonly std: number[];

  constructor(mean: number | number[], std: number | number[]) {
    super();
    this.mean = typeof mean === 'number' ? [mean] : [...mean];
    this.std = typeof std === 'number' ? [std] : [...std];
    if (this.mean.length !== this.std.length) {
      throw new Error(
        `Normalize: mean has ${this.mean.length} values and std ${this.std.length}; they must match`,
      );
    }
    if (this.std.some((s) => s === 0)) throw new Error(`Normalize: std [${this.std.join(', ')}] has a zero`);
  }

  applyImage(image: RawImage): RawImage {
    const n = this.mean.length;
    if (n !== 1 && n !== image.channels) {
      throw new Error(`Normalize: ${n} means for an image of ${image.channels} channels`);
    }
    const plane = image.height * image.width;
    for (let c = 0; c < image.channels; c++) {
      const mean = this.mean[n === 1 ? 0 : c]!;
      const inv = 1 / this.std[n === 1 ? 0 : c]!;
      const data = image.data;
      for (let i = c * plane, end = i + plane; i < end; i++) data[i] = (data[i]! - mean) * inv;
    }
    return image;
  }

  toSpec(): TransformSpec {
    return { name: 'Normalize', mean: this.mean, std: this.std };
  }
}

/** The five images of Nielsen's expand_mnist: the original, then shifted down, up, right and left by one pixel. */
export const SHIFTS = ['none', 'down', 'up', 'right', 'left'] as const;
export type Shift = (typeof SHIFTS)[number];

/**
 * Shift a CHW image by one pixel as Nielsen's expand_mnist.py does: np.roll by one, then zero the row or column
 * that wrapped around. Works on bytes or floats; returns a new array.
 */
export function shiftImage<A extends Uint8Array | Float32Array>(
  data: A,
  channels: number,
  height: number,
  width: number,
  shift: Shift,
  out: A = new (data.constructor as new (n: number) => A)(data.length),
): A {
  const plane = height * width;
  if (shift === 'none') {
    out.set(data);
    return out;
  }
  out.fill(0);
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    if (shift === 'down') out.set(data.subarray(base, base + plane - width), base + width);
    else if (shift === 'up') out.set(data.subarray(base + width, base + plane), base);
    else {
      const right = shift === 'right';
      for (let y = 0; y < height; y++) {
        const row = base + y * width;
        if (right) out.set(data.subarray(row, row + width - 1), row + 1);
        else out.set(data.subarray(row + 1, row + width), row);
      }
    }
  }
  return out;
}

/**
 * One of Nielsen's five expand_mnist images at random (uniformly): unchanged, or shifted one pixel down, up, right
 * or left with the wrapped row/column zeroed.
 *
 * @example
 * const train = await loadMNIST(root, { split: 'nielsen-train', transform: new RandomShift() });
 */
export class RandomShift extends ImageTransform {
  applyImage(image: RawImage, rng: Generator): RawImage {
    const shift = SHIFTS[rng.randint(0, SHIFTS.length)]!;
    if (shift === 'none') return image;
    return { ...image, data: shiftImage(image.data, image.channels, image.height, image.width, shift) };
  }

  toSpec(): TransformSpec {
    return { name: 'RandomShift' };
  }
}

/**
 * Pad with zeros by `padding` on every side, then cut a random `size` window, as torchvision's RandomCrop.
 *
 * @example
 * new RandomCrop(32, { padding: 4 }); // the usual CIFAR-10 augmentation
 */
export class RandomCrop extends ImageTransform {
  readonly height: number;
  readonly width: number;
  readonly padding: number;

  constructor(size: number | [number, number], options: RandomOptions & { padding?: number } = {}) {
    super(options);
    [this.height, this.width] = typeof size === 'number' ? [size, size] : size;
    this.padding = options.padding ?? 0;
    if (!(this.height > 0 && this.width > 0 && this.padding >= 0)) {
      throw new Error(
        `RandomCrop: size ${this.height}x${this.width} and padding ${this.padding} must be positive`,
      );
    }
  }

  applyImage(image: RawImage, rng: Generator): RawImage {
    const p = this.padding;
    const paddedH = image.height + 2 * p;
    const paddedW = image.width + 2 * p;
    if (this.height > paddedH || this.width > paddedW) {
      throw new Error(
        `RandomCrop: crop ${this.height}x${this.width} is larger than the padded image ${paddedH}x${paddedW}`,
      );
    }
    const top = rng.randint(0, paddedH - this.height + 1);
    const left = rng.randint(0, paddedW - this.width + 1);
    const out = new Float32Array(image.channels * this.height * this.width);
    const inPlane = image.height * image.width;
    for (let c = 0; c < image.channels; c++) {
      for (let y = 0; y < this.height; y++) {
        const sourceY = top + y - p;
        if (sourceY < 0 || sourceY >= image.height) continue; // a padding row: stays zero
        const x0 = Math.max(0, p - left);
        const x1 = Math.min(this.width, image.width + p - left);
        if (x1 <= x0) continue;
        const source = c * inPlane + sourceY * image.width + (left + x0 - p);
        out.set(image.data.subarray(source, source + x1 - x0), (c * this.height + y) * this.width + x0);
      }
    }
    return { data: out, channels: image.channels, height: this.height, width: this.width };
  }

  toSpec(): TransformSpec {
    return { name: 'RandomCrop', size: [this.height, this.width], padding: this.padding };
  }
}

/**
 * Mirror left-right with probability `p` (default 0.5). Always draws one number, so streams stay aligned.
 *
 * @example
 * new Compose([new RandomCrop(32, { padding: 4 }), new RandomHorizontalFlip()]);
 */
export class RandomHorizontalFlip extends ImageTransform {
  constructor(
    readonly p = 0.5,
    options: RandomOptions = {},
  ) {
    super(options);
    if (!(p >= 0 && p <= 1)) throw new Error(`RandomHorizontalFlip: p must be in [0, 1], got ${p}`);
  }

  applyImage(image: RawImage, rng: Generator): RawImage {
    if (rng.random() >= this.p) return image;
    const { data, width } = image;
    for (let row = 0; row < data.length; row += width) data.subarray(row, row + width).reverse();
    return image;
  }

  toSpec(): TransformSpec {
    return { name: 'RandomHorizontalFlip', p: this.p };
  }
}

/**
 * Any function as a transform. It can't be sent to a worker (functions don't cross threads): with
 * `numWorkers > 0`, build the dataset in a worker module instead (see docs/data.md).
 *
 * @example
 * new Lambda((x: Tensor) => x.reshape(784));
 */
export class Lambda<I = Tensor, O = Tensor> implements Transform<I, O> {
  constructor(readonly fn: (input: I, rng?: Generator) => O) {}

  apply(input: I, rng?: Generator): O {
    return this.fn(input, rng);
  }
}

function specOf(transform: Transform<unknown, unknown>): TransformSpec {
  if (transform.toSpec === undefined) {
    throw new Error(
      `${transform.constructor.name} can't be sent to a worker (a function doesn't cross threads); use ` +
        'numWorkers: 0, or build the dataset inside a worker module (a { kind: "module" } workerSpec)',
    );
  }
  return transform.toSpec();
}

/** The spec of any transform, or an error naming the one that has none. */
export function transformSpec(transform: Transform<unknown, unknown>): TransformSpec {
  return specOf(transform);
}

/** Rebuild a built-in transform from its spec (in a worker). */
export function transformFromSpec(spec: TransformSpec): Transform<unknown, unknown> {
  switch (spec.name) {
    case 'Compose':
      return new Compose((spec.transforms as TransformSpec[]).map(transformFromSpec));
    case 'ToTensor':
      return new ToTensor();
    case 'Normalize':
      return new Normalize(spec.mean as number[], spec.std as number[]);
    case 'RandomShift':
      return new RandomShift();
    case 'RandomCrop':
      return new RandomCrop(spec.size as [number, number], { padding: spec.padding as number });
    case 'RandomHorizontalFlip':
      return new RandomHorizontalFlip(spec.p as number);
    default:
      throw new Error(`transformFromSpec: unknown transform "${spec.name}"`);
  }
}
