import type { Generator, Tensor } from '@nndl/tensor';
import type { Dataset, DatasetSpec } from '../dataset.js';
import { checkIndex } from '../errors.js';
import { wrap } from '../tensors.js';
import { BYTE_TO_UNIT, ImageTransform, type RawImage, type Transform, transformSpec } from '../transforms.js';

export interface ImageDatasetOptions {
  /** Applied to each image (a float32 [C, H, W] tensor in [0, 1]). */
  transform?: Transform<Tensor, Tensor>;
  /** Applied to each label. Can't be sent to workers. */
  targetTransform?: Transform<number, number>;
}

export interface ImageDatasetInit extends ImageDatasetOptions {
  /** Name used in errors (e.g. 'MNIST'). */
  name: string;
  /** All images as bytes, one CHW image after another. */
  images: Uint8Array;
  targets: Int32Array;
  /** [channels, height, width] of one image. */
  shape: readonly [number, number, number];
  classes: readonly string[];
}

/**
 * Images stored as bytes (N x C x H x W) with integer labels: the common core of MNIST, CIFAR10, BundledDigits and
 * ImageFolder. `get(i)` gives `[image, label]` with the image a float32 [C, H, W] tensor in [0, 1]; `getBatch`
 * fills one batch buffer straight from the bytes (and runs image transforms on it) without a Tensor per sample.
 *
 * @example
 * const [image, label] = mnist.get(0); // image: Tensor [1, 28, 28], label: 5
 */
export class ImageDataset implements Dataset<[Tensor, number]> {
  readonly name: string;
  /** Raw storage, kept as bytes for speed and memory (a view; do not mutate). */
  images: Uint8Array;
  targets: Int32Array;
  readonly shape: readonly [number, number, number];
  readonly classes: readonly string[];
  transform: Transform<Tensor, Tensor> | undefined;
  targetTransform: Transform<number, number> | undefined;

  constructor(init: ImageDatasetInit) {
    const [c, h, w] = init.shape;
    const size = c * h * w;
    if (init.images.length !== init.targets.length * size) {
      throw new Error(
        `${init.name}: ${init.images.length} image bytes for ${init.targets.length} labels of ${c}x${h}x${w} ` +
          `images (expected ${init.targets.length * size})`,
      );
    }
    this.name = init.name;
    this.images = init.images;
    this.targets = init.targets;
    this.shape = init.shape;
    this.classes = init.classes;
    this.transform = init.transform;
    this.targetTransform = init.targetTransform;
  }

  get length(): number {
    return this.targets.length;
  }

  /** Bytes per image. */
  get imageSize(): number {
    return this.shape[0] * this.shape[1] * this.shape[2];
  }

  /** The image and label at `index`, transformed. */
  get(index: number, rng?: Generator): [Tensor, number] {
    checkIndex(`${this.name}.get`, index, this.length);
    const size = this.imageSize;
    const data = new Float32Array(size);
    const offset = index * size;
    for (let i = 0; i < size; i++) data[i] = BYTE_TO_UNIT[this.images[offset + i]!]!;
    let image = wrap(data, this.shape);
    if (this.transform !== undefined) image = this.transform.apply(image, rng);
    const label = this.targets[index]!;
    return [image, this.targetTransform === undefined ? label : this.targetTransform.apply(label, rng)];
  }

  /**
   * `[images [B, ...], labels int32 [B]]` for `indices`: the same values as collating `get` of each, drawn from
   * `rng` in the same order, but built in one buffer. Falls back to per-sample `get` for non-image transforms.
   */
  getBatch(indices: ArrayLike<number>, rng?: Generator): [Tensor, Tensor] {
    const transform = this.transform;
    const fast = transform === undefined || (transform instanceof ImageTransform && transform.imageOnly);
    if (!fast || this.targetTransform !== undefined) return this.batchFromSamples(indices, rng);
    const n = indices.length;
    const size = this.imageSize;
    const labels = new Int32Array(n);
    for (let b = 0; b < n; b++) {
      checkIndex(`${this.name}.getBatch`, indices[b]!, this.length);
      labels[b] = this.targets[indices[b]!]!;
    }
    if (transform === undefined) {
      const out = new Float32Array(n * size);
      for (let b = 0; b < n; b++) {
        const offset = indices[b]! * size;
        const base = b * size;
        for (let i = 0; i < size; i++) out[base + i] = BYTE_TO_UNIT[this.images[offset + i]!]!;
      }
      return [wrap(out, [n, ...this.shape]), wrap(labels, [n])];
    }
    const [channels, height, width] = this.shape;
    const random = transform.rng(rng);
    const scratch = new Float32Array(size);
    let out: Float32Array | undefined;
    let outShape: number[] = [];
    for (let b = 0; b < n; b++) {
      const offset = indices[b]! * size;
      for (let i = 0; i < size; i++) scratch[i] = BYTE_TO_UNIT[this.images[offset + i]!]!;
      const image: RawImage = transform.applyImage({ data: scratch, channels, height, width }, random);
      if (out === undefined) {
        out = new Float32Array(n * image.data.length);
        outShape = [n, image.channels, image.height, image.width];
      } else if (image.data.length * n !== out.length) {
        throw new Error(`${this.name}.getBatch: the transform gave images of different sizes within a batch`);
      }
      out.set(image.data, b * image.data.length);
    }
    return [wrap(out ?? new Float32Array(0), n === 0 ? [0, ...this.shape] : outShape), wrap(labels, [n])];
  }

  private batchFromSamples(indices: ArrayLike<number>, rng: Generator | undefined): [Tensor, Tensor] {
    const images: Tensor[] = [];
    const labels = new Int32Array(indices.length);
    for (let b = 0; b < indices.length; b++) {
      const [image, label] = this.get(indices[b]!, rng);
      images.push(image);
      labels[b] = label;
    }
    return [stackImages(images), wrap(labels, [indices.length])];
  }

  /** Number of images of each class, indexed by label. */
  classCounts(): number[] {
    const counts = new Array<number>(Math.max(this.classes.length, 1)).fill(0);
    for (let i = 0; i < this.targets.length; i++)
      counts[this.targets[i]!] = (counts[this.targets[i]!] ?? 0) + 1;
    return counts;
  }

  /**
   * A view of images [start, end) sharing this dataset's storage (used for Nielsen's 50k/10k split).
   */
  slice(start: number, end: number, name = this.name): this {
    const size = this.imageSize;
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this, {
      name,
      images: this.images.subarray(start * size, end * size),
      targets: this.targets.subarray(start, end),
    });
    return copy;
  }

  /**
   * Move the bytes into shared memory (once), so that workers read them without a copy each.
   * Returns the spec that rebuilds this dataset in a worker.
   */
  workerSpec(): DatasetSpec {
    if (this.targetTransform !== undefined) {
      throw new Error(`${this.name}: a targetTransform can't be sent to a worker; use numWorkers: 0`);
    }
    if (!(this.images.buffer instanceof SharedArrayBuffer) && typeof SharedArrayBuffer === 'function') {
      const shared = new Uint8Array(new SharedArrayBuffer(this.images.byteLength));
      shared.set(this.images);
      this.images = shared;
      const targets = new Int32Array(new SharedArrayBuffer(this.targets.byteLength));
      targets.set(this.targets);
      this.targets = targets;
    }
    return {
      kind: 'image',
      images: this.images,
      targets: this.targets,
      shape: [...this.shape],
      classes: [...this.classes],
      transform: this.transform === undefined ? undefined : transformSpec(this.transform),
    };
  }
}

function stackImages(images: Tensor[]): Tensor {
  const first = images[0];
  if (first === undefined) return wrap(new Float32Array(0), [0]);
  const size = first.numel();
  const out = new Float32Array(images.length * size);
  for (const [i, image] of images.entries()) {
    if (image.numel() !== size)
      throw new Error('ImageDataset.getBatch: the transform gave images of different sizes');
    out.set(image.dataSync() as Float32Array, i * size);
  }
  return wrap(out, [images.length, ...first.shape]);
}
