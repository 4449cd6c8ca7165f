/**
 * The safetensors format (huggingface/safetensors), bytes in and bytes out, so it works in a browser as in Node:
 *
 *     8 bytes   N, the header's length, unsigned 64-bit little-endian
 *     N bytes   a JSON object: {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}}
 *               padded with spaces to a multiple of 8 bytes
 *     the rest  the tensors' bytes, little-endian, C order, back to back (offsets are relative to this section)
 *
 * Writing follows the reference implementation byte for byte: tensors sorted by dtype, widest alignment first
 * (F64 before F32 before I32 before BOOL), then by name; compact JSON with `__metadata__` first. So PyTorch's
 * `safetensors.torch.load_file` reads nndl's files, and nndl reads PyTorch's (F16, BF16 and I64 are converted on
 * load to float32 and int32).
 */
import { asTensor, type DType, type Tensor } from '@nndl/tensor';

/** The dtypes nndl writes, with the safetensors names. */
const WRITE_NAMES: Record<DType, string> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };
/** The reference implementation's Dtype enum order ("increasing alignment"): files sort by it, descending. */
const DTYPE_RANK = [
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
];
const ELEMENT_SIZE: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
const MAX_HEADER = 100_000_000;

export type Metadata = Record<string, string>;

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Metadata;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function tensorBytes(t: Tensor): Uint8Array {
  const values = t.dataSync();
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (littleEndian || t.dtype === 'bool') return bytes;
  // NOTE: big-endian hosts are rare, but the format is little-endian: swap each element.
  const size = values.BYTES_PER_ELEMENT;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size)
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k]!;
  return out;
}

/**
 * Serialize tensors (a state dict) and optional string metadata to the bytes of a .safetensors file.
 * @example const bytes = saveSafetensors(model.stateDict(), { format: 'pt' });
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Metadata): Uint8Array {
  const entries = Object.entries(tensors).map(([name, t]) => {
    const dtype = WRITE_NAMES[t.dtype];
    if (!dtype) throw new Error(`saveSafetensors: tensor "${name}" has unsupported dtype ${t.dtype}`);
    return { name, t, dtype };
  });
  entries.sort(
    (a, b) =>
      DTYPE_RANK.indexOf(b.dtype) - DTYPE_RANK.indexOf(a.dtype) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new Error(
          `saveSafetensors: metadata must map strings to strings; "${k}" is a ${typeof v} (JSON.stringify it)`,
        );
      }
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const { name, t, dtype } of entries) {
    if (name === '__metadata__')
      throw new Error('saveSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const bytes = tensorBytes(t);
    header[name] = { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function fail(source: string, message: string): never {
  throw new Error(`loadSafetensors: ${source}: ${message}`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decode(dtype: string, bytes: Uint8Array, shape: number[], name: string, source: string): Tensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / ELEMENT_SIZE[dtype]!;
  let values: Float32Array | Float64Array | Int32Array | Uint8Array;
  switch (dtype) {
    case 'F32':
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat64(8 * i, true);
      break;
    case 'I32':
      values = new Int32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getInt32(4 * i, true);
      break;
    case 'BOOL':
      values = new Uint8Array(n);
      for (let i = 0; i < n; i++) values[i] = bytes[i] ? 1 : 0;
      break;
    case 'F16':
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16':
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const scratch = new DataView(new ArrayBuffer(4));
        scratch.setUint32(0, view.getUint16(2 * i, true) << 16, true);
        values[i] = scratch.getFloat32(0, true);
      }
      break;
    case 'I64':
    case 'U8':
    case 'I8':
    case 'I16':
    case 'U16':
    case 'U32': {
      // Integers become int32 (PyTorch stores counters such as BatchNorm's num_batches_tracked as I64).
      values = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v =
          dtype === 'I64'
            ? Number(view.getBigInt64(8 * i, true))
            : dtype === 'U8'
              ? view.getUint8(i)
              : dtype === 'I8'
                ? view.getInt8(i)
                : dtype === 'I16'
                  ? view.getInt16(2 * i, true)
                  : dtype === 'U16'
                    ? view.getUint16(2 * i, true)
                    : view.getUint32(4 * i, true);
        if (v > 2147483647 || v < -2147483648)
          fail(source, `tensor "${name}" (${dtype}) holds ${v}, which does not fit in int32`);
        values[i] = v;
      }
      break;
    }
    default:
      fail(
        source,
        `tensor "${name}" has dtype ${dtype}, which nndl cannot read (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)`,
      );
  }
  return asTensor(values, shape);
}

/**
 * Parse the bytes of a .safetensors file. Truncated, padded or foreign files fail with an error that says what is
 * wrong; `source` (e.g. the file name) is put in front of it.
 * @example const { tensors, metadata } = loadSafetensors(bytes); model.loadStateDict(tensors);
 */
export function loadSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContents {
  if (bytes.length < 8)
    fail(
      source,
      `${bytes.length} bytes is too short for a safetensors file (the header length alone takes 8)`,
    );
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) {
    fail(
      source,
      `the header length field reads ${n} bytes (more than ${MAX_HEADER}): not a safetensors file`,
    );
  }
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) {
    fail(
      source,
      `the header needs ${headerLength} bytes but the file has only ${bytes.length - 8} after the length field: truncated file?`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail(source, 'the header is not valid UTF-8: not a safetensors file');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(
      source,
      `the header is not valid JSON (${(e as Error).message}): not a safetensors file, or a truncated one`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail(source, 'the header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const metadata: Metadata = {};
  const infos: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null)
        fail(source, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(source, `__metadata__ value "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in ELEMENT_SIZE))
      fail(source, `tensor "${name}" has an unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(source, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      fail(source, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    infos.push({
      name,
      dtype,
      shape: shape as number[],
      begin: offsets[0] as number,
      end: offsets[1] as number,
    });
  }
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const info of infos) {
    if (info.begin !== expected || info.end < info.begin) {
      fail(
        source,
        `tensor "${info.name}" has data_offsets [${info.begin}, ${info.end}], expected to start at ${expected}`,
      );
    }
    const size = info.shape.reduce((a, b) => a * b, 1) * ELEMENT_SIZE[info.dtype]!;
    if (info.end - info.begin !== size) {
      fail(
        source,
        `tensor "${info.name}" (${info.dtype} [${info.shape.join(', ')}]) needs ${size} bytes, its data_offsets span ${info.end - info.begin}`,
      );
    }
    expected = info.end;
  }
  if (expected > data.length) {
    fail(source, `the tensors need ${expected} data bytes but the file has ${data.length}: truncated file`);
  }
  if (expected !== data.length) {
    fail(
      source,
      `the file has ${data.length - expected} bytes after the last tensor: not a valid safetensors file`,
    );
  }
  const tensors: Record<string, Tensor> = {};
  for (const info of infos) {
    tensors[info.name] = decode(
      info.dtype,
      data.subarray(info.begin, info.end),
      info.shape,
      info.name,
      source,
    );
  }
  return { tensors, metadata };
}
