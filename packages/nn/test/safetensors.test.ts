import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, tensor } from '@nndl/tensor';
import { assertClose } from '@nndl/tensor/testing';
import { describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  loadCheckpoint,
  loadSafetensors,
  Sequential,
  saveCheckpoint,
  saveSafetensors,
  stateDictFromPyTorch,
  stateDictToPyTorch,
} from '../src/index.js';
import { LeNet } from '../src/models/index.js';
import { loadCheckpointFile, loadSafetensorsFile, saveSafetensorsFile } from '../src/node.js';

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('safetensors byte layout', () => {
  it('matches a hand-written fixture: length, sorted JSON header, space padding, little-endian data', () => {
    const bytes = saveSafetensors(
      {
        b: tensor([1, -2], { dtype: 'int32' }),
        a: tensor([[1, 2]], { dtype: 'float32' }),
        c: tensor(0.5, { dtype: 'float64' }),
      },
      { format: 'pt' },
    );
    // Tensors are sorted by dtype alignment (F64, F32, I32), then name; the 195-byte header gets 5 spaces.
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"c":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]},' +
      '"b":{"dtype":"I32","shape":[2],"data_offsets":[16,24]}}';
    const expected = [
      200,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...ascii(header),
      32,
      32,
      32,
      32,
      32,
      0,
      0,
      0,
      0,
      0,
      0,
      224,
      63, // 0.5 as F64
      0,
      0,
      128,
      63,
      0,
      0,
      0,
      64, // 1, 2 as F32
      1,
      0,
      0,
      0,
      254,
      255,
      255,
      255, // 1, -2 as I32
    ];
    expect(header.length).toBe(195);
    expect(Array.from(bytes)).toEqual(expected);
  });

  it("reproduces the reference implementation's own test vector (safetensors tensor.rs, forced alignment)", () => {
    const bytes = saveSafetensors({
      attn0: tensor(
        [
          [
            [
              [0, 1, 2],
              [3, 4, 5],
            ],
          ],
        ],
        { dtype: 'float32' },
      ),
    });
    expect(Array.from(bytes)).toEqual([
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34,
      58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44,
      34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125,
      32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ]);
    expect(Array.from(saveSafetensors({}))).toEqual([
      8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32,
    ]);
  });
});

describe('safetensors round trips', () => {
  it('a model state dict, all dtypes, and metadata', () => {
    const net = new LeNet();
    const sd = net.stateDict();
    const extra = {
      flags: tensor([true, false, true]),
      counts: tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'int32' },
      ),
    };
    const { tensors, metadata } = loadSafetensors(saveSafetensors({ ...sd, ...extra }, { epoch: '3' }));
    expect(metadata).toEqual({ epoch: '3' });
    for (const [k, v] of Object.entries({ ...sd, ...extra })) {
      expect(tensors[k]!.dtype).toBe(v.dtype);
      expect(tensors[k]!.shape).toEqual(v.shape);
      assertClose(tensors[k]!, v, { atol: 0, rtol: 0 });
    }
    const other = new LeNet();
    other.loadStateDict(tensors, { strict: false });
    const x = randn([1, 3, 32, 32]);
    assertClose(other.call(x), net.call(x), { atol: 0, rtol: 0 });
  });

  it('reads PyTorch-style files: I64 counters, F16 and BF16, snake_case keys', () => {
    // Hand-made: num_batches_tracked as I64 [] = 7, a F16 [2] = [1, -2], a BF16 [1] = [0.5].
    const header =
      '{"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"h":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},"bf":{"dtype":"BF16","shape":[1],"data_offsets":[12,14]}}';
    const pad = (8 - (header.length % 8)) % 8;
    const bytes = new Uint8Array([
      header.length + pad,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...ascii(header),
      ...new Array(pad).fill(32),
      7,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      0x00,
      0x3c,
      0x00,
      0xc0,
      0x00,
      0x3f,
    ]);
    const { tensors } = loadSafetensors(bytes);
    expect(tensors['bn.num_batches_tracked']!.dtype).toBe('int32');
    expect(tensors['bn.num_batches_tracked']!.item()).toBe(7);
    assertClose(tensors.h!, [1, -2], { atol: 0 });
    assertClose(tensors.bf!, [0.5], { atol: 0 });
    const bn = new Sequential(new BatchNorm2d(2));
    const torchKeys = stateDictToPyTorch(bn.stateDict());
    expect(Object.keys(torchKeys)).toContain('0.running_mean');
    expect(Object.keys(torchKeys)).toContain('0.num_batches_tracked');
    bn.loadStateDict(stateDictFromPyTorch(torchKeys));
  });

  it('clear errors for truncated and foreign files', () => {
    const good = saveSafetensors({ w: randn([4, 4]) });
    expect(() => loadSafetensors(good.subarray(0, 4), 'w.safetensors')).toThrow(
      'loadSafetensors: w.safetensors: 4 bytes is too short',
    );
    expect(() => loadSafetensors(good.subarray(0, 40))).toThrow(/truncated file/);
    expect(() => loadSafetensors(good.subarray(0, good.length - 3))).toThrow(
      /need 64 data bytes but the file has 61: truncated file/,
    );
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(() => loadSafetensors(png)).toThrow(/not a safetensors file/);
    const json = new TextEncoder().encode('{"a": 1}');
    expect(() => loadSafetensors(json)).toThrow(/not a safetensors file/);
    const extra = new Uint8Array([...good, 0]);
    expect(() => loadSafetensors(extra)).toThrow(/1 bytes after the last tensor/);
    expect(() => saveSafetensors({ w: randn([1]) }, { n: 3 as unknown as string })).toThrow(
      /strings to strings/,
    );
    expect(() => loadCheckpoint(good)).toThrow(/not an nndl checkpoint/);
  });
});

describe('Node file helpers', () => {
  it('write atomically and read back, errors name the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nndl-nn-'));
    const path = join(dir, 'model.safetensors');
    const sd = { w: randn([3, 2]), b: randn([2]) };
    await saveSafetensorsFile(path, sd);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const { tensors } = await loadSafetensorsFile(path);
    assertClose(tensors.w!, sd.w, { atol: 0, rtol: 0 });
    writeFileSync(path, readFileSync(path).subarray(0, 30));
    await expect(loadSafetensorsFile(path)).rejects.toThrow(path);
    const ckpt = join(dir, 'ckpt.safetensors');
    writeFileSync(ckpt, saveCheckpoint({ model: sd, metadata: { epoch: '1' } }));
    const loaded = await loadCheckpointFile(ckpt);
    expect(loaded.metadata).toEqual({ epoch: '1' });
    expect(Object.keys(loaded.model).sort()).toEqual(['b', 'w']);
  });
});
