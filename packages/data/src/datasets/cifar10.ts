import { ImageDataset, type ImageDatasetOptions } from './image-dataset.js';

/** Bytes of one CIFAR-10 record: a label byte, then 1,024 red, 1,024 green and 1,024 blue bytes (32x32, row-major). */
export const CIFAR_RECORD_SIZE = 3073;

export interface BinaryFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * CIFAR-10 from its official binary batches: 32x32 colour images [3, 32, 32] in [0, 1], labels 0..9. In Node,
 * `loadCIFAR10(root, { train })` from `@nndl/data/node` finds and reads the batch files; `CIFAR10.fromBinary`
 * parses bytes from anywhere.
 *
 * @example
 * const test = CIFAR10.fromBinary([{ name: 'test_batch.bin', bytes }]);
 */
export class CIFAR10 extends ImageDataset {
  static readonly classNames: readonly string[] = [
    'airplane',
    'automobile',
    'bird',
    'cat',
    'deer',
    'dog',
    'frog',
    'horse',
    'ship',
    'truck',
  ];

  /** Parse batch files (all checked before any is kept); errors name the file and the fault. */
  static fromBinary(
    files: readonly BinaryFile[],
    options: ImageDatasetOptions & { classes?: string[] } = {},
  ): CIFAR10 {
    if (files.length === 0) throw new Error('CIFAR10: no batch files given');
    const classes = options.classes ?? CIFAR10.classNames;
    let count = 0;
    for (const file of files) {
      if (file.bytes.length % CIFAR_RECORD_SIZE !== 0) {
        throw new Error(
          `${file.name}: ${file.bytes.length} bytes is not a multiple of ${CIFAR_RECORD_SIZE} (1 label + 3,072 ` +
            `pixel bytes per record): truncated or not a CIFAR-10 binary batch`,
        );
      }
      if (file.bytes.length === 0) throw new Error(`${file.name}: empty, expected CIFAR-10 records`);
      count += file.bytes.length / CIFAR_RECORD_SIZE;
    }
    const images = new Uint8Array(count * 3072);
    const targets = new Int32Array(count);
    let at = 0;
    for (const file of files) {
      const records = file.bytes.length / CIFAR_RECORD_SIZE;
      for (let r = 0; r < records; r++, at++) {
        const offset = r * CIFAR_RECORD_SIZE;
        const label = file.bytes[offset]!;
        if (label >= classes.length) {
          throw new Error(`${file.name}: record ${r} has label ${label}, expected 0..${classes.length - 1}`);
        }
        targets[at] = label;
        images.set(file.bytes.subarray(offset + 1, offset + CIFAR_RECORD_SIZE), at * 3072);
      }
    }
    return new CIFAR10({
      name: 'CIFAR10',
      images,
      targets,
      shape: [3, 32, 32],
      classes,
      transform: options.transform,
      targetTransform: options.targetTransform,
    });
  }
}

/** Class names from batches.meta.txt (one per line; blank lines ignored). */
export function parseCifarMeta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
