/** The IDX format of MNIST and Fashion-MNIST: a big-endian header (magic, dimensions), then unsigned bytes. */

/** Magic numbers of the unsigned-byte IDX files: 0x00000801 (labels, 1-D) and 0x00000803 (images, 3-D). */
export const IDX_LABELS_MAGIC = 0x801;
export const IDX_IMAGES_MAGIC = 0x803;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parse an unsigned-byte IDX file, checking its magic number and that its size matches its header exactly.
 * `file` names the file in errors.
 *
 * @example
 * const { dims, data } = parseIdx(bytes, 'train-images-idx3-ubyte', IDX_IMAGES_MAGIC); // dims [60000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedMagic: number): IdxArray {
  const kind = expectedMagic === IDX_IMAGES_MAGIC ? 'IDX images' : 'IDX labels';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(
      `${file}: is gzip-compressed; decompress it before parsing (loadMNIST does this for .gz files)`,
    );
  }
  if (bytes.length < 4)
    throw new Error(`${file}: truncated: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new Error(
      `${file}: wrong magic number 0x${magic.toString(16).padStart(8, '0')}, expected ` +
        `0x${expectedMagic.toString(16).padStart(8, '0')} (${kind})`,
    );
  }
  const rank = magic & 0xff;
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) {
    throw new Error(`${file}: truncated: ${bytes.length} bytes, the ${kind} header needs ${headerSize}`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = headerSize + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new Error(
      `${file}: truncated: the header says [${dims.join(' x ')}] (${expected} bytes), the file has ${bytes.length}`,
    );
  }
  if (bytes.length > expected) {
    throw new Error(
      `${file}: ${bytes.length - expected} unexpected bytes after the [${dims.join(' x ')}] data its header announces`,
    );
  }
  return { dims, data: bytes.subarray(headerSize) };
}
