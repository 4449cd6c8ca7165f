import { decode } from 'fast-png';
import { ImageDataset, type ImageDatasetOptions } from './image-dataset.js';

export interface DecodedImage {
  /** HWC bytes. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Decode a PNG (any bit depth, grey, RGB, palette, with or without alpha) to 8-bit bytes, HWC, alpha dropped.
 * `file` names the file in errors.
 */
export function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (cause) {
    throw new Error(
      `${file}: not a readable PNG (${cause instanceof Error ? cause.message : String(cause)})`,
      {
        cause,
      },
    );
  }
  const { width, height } = png;
  const pixels = width * height;
  const channels = png.channels;
  const source: ArrayLike<number> = png.data;
  if (png.palette !== undefined) {
    // Palette images: indices into [r, g, b] (or [r, g, b, a]) entries.
    const out = new Uint8Array(pixels * 3);
    for (let p = 0; p < pixels; p++) {
      const entry = png.palette[png.data[p]!];
      if (entry === undefined) throw new Error(`${file}: palette index ${png.data[p]} out of range`);
      out[p * 3] = entry[0]!;
      out[p * 3 + 1] = entry[1]!;
      out[p * 3 + 2] = entry[2]!;
    }
    return { data: out, width, height, channels: 3 };
  }
  const shift = png.depth === 16 ? 8 : 0;
  const scale = png.depth < 8 ? 255 / (2 ** png.depth - 1) : 1;
  const keep = channels === 2 || channels === 4 ? channels - 1 : channels; // drop alpha
  const out = new Uint8Array(pixels * keep);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < keep; c++)
      out[p * keep + c] = Math.round((source[p * channels + c]! >> shift) * scale);
  }
  return { data: out, width, height, channels: keep };
}

export interface ImageFolderEntry {
  /** The class (folder) name. */
  className: string;
  /** The file, for errors and `samples`. */
  path: string;
  bytes: Uint8Array;
}

export interface ImageFolderOptions extends ImageDatasetOptions {
  /** 1 (grey) or 3 (RGB); default: that of the first image. Others are converted (ITU-R 601-2 luma for grey). */
  channels?: 1 | 3;
}

/**
 * Images in folders named after their class (root/cat/1.png, root/dog/2.png), as torchvision's ImageFolder:
 * classes sorted by name, `classToIdx` maps names to labels. All images must share one size (decoded once, kept as
 * bytes). In Node, `loadImageFolder(root)` from `@nndl/data/node` reads the folders.
 *
 * @example
 * const ds = await loadImageFolder('digits/'); // ds.classToIdx: { '0': 0, '1': 1, ... }
 */
export class ImageFolder extends ImageDataset {
  classToIdx: Record<string, number> = {};
  /** [path, label] of every image, in dataset order. */
  samples: [string, number][] = [];

  static fromEntries(entries: readonly ImageFolderEntry[], options: ImageFolderOptions = {}): ImageFolder {
    if (entries.length === 0) throw new Error('ImageFolder: no images found');
    const classes = [...new Set(entries.map((e) => e.className))].sort();
    const classToIdx = Object.fromEntries(classes.map((name, i) => [name, i]));
    const sorted = [...entries].sort((a, b) =>
      a.className === b.className ? (a.path < b.path ? -1 : 1) : a.className < b.className ? -1 : 1,
    );
    let images: Uint8Array | undefined;
    let shape: [number, number, number] = [0, 0, 0];
    const targets = new Int32Array(sorted.length);
    for (const [i, entry] of sorted.entries()) {
      const decoded = decodePng(entry.bytes, entry.path);
      if (images === undefined) {
        shape = [options.channels ?? (decoded.channels === 1 ? 1 : 3), decoded.height, decoded.width];
        images = new Uint8Array(sorted.length * shape[0] * shape[1] * shape[2]);
      } else if (decoded.height !== shape[1] || decoded.width !== shape[2]) {
        throw new Error(
          `ImageFolder: ${entry.path} is ${decoded.width}x${decoded.height}, but ${sorted[0]!.path} is ` +
            `${shape[2]}x${shape[1]}; all images must have one size`,
        );
      }
      writeChw(decoded, shape[0], images.subarray(i * shape[0] * shape[1] * shape[2]));
      targets[i] = classToIdx[entry.className]!;
    }
    const dataset = new ImageFolder({
      name: 'ImageFolder',
      images: images!,
      targets,
      shape,
      classes,
      transform: options.transform,
      targetTransform: options.targetTransform,
    });
    dataset.classToIdx = classToIdx;
    dataset.samples = sorted.map((e) => [e.path, classToIdx[e.className]!]);
    return dataset;
  }
}

/** HWC bytes to CHW bytes with `channels` channels (grey <-> RGB conversions as PIL's convert). */
function writeChw(image: DecodedImage, channels: number, out: Uint8Array): void {
  const plane = image.width * image.height;
  const { data } = image;
  for (let p = 0; p < plane; p++) {
    if (image.channels === channels) {
      for (let c = 0; c < channels; c++) out[c * plane + p] = data[p * channels + c]!;
    } else if (channels === 1) {
      const r = data[p * 3]!;
      const g = data[p * 3 + 1]!;
      const b = data[p * 3 + 2]!;
      out[p] = Math.round((r * 299 + g * 587 + b * 114) / 1000);
    } else {
      out[p] = out[plane + p] = out[2 * plane + p] = data[p]!;
    }
  }
}
