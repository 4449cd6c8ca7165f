/** The backend works inside a Web Worker on OffscreenCanvas, and matches the CPU there. */
import { tidy } from '@nndl/tensor';
import { describe, expect, it } from 'vitest';
import { batch, mlp, sgdStep } from './models.js';

interface Reply {
  ok: boolean;
  error?: string;
  caps: { webglVersion: number; renderFloat32: boolean; tfjsBackend: string };
  inWorker: boolean;
  offscreen: boolean;
  losses: number[];
  leaked: number;
}

describe('webgl in a Web Worker', () => {
  it('trains an MLP on OffscreenCanvas with the CPU losses', async () => {
    const worker = new Worker(new URL('./train_worker.ts', import.meta.url), { type: 'module' });
    const reply = await new Promise<Reply>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<Reply>) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      worker.postMessage('train');
    });
    worker.terminate();
    expect(reply.error).toBeUndefined();
    expect(reply.inWorker).toBe(true);
    expect(reply.offscreen).toBe(true);
    expect(reply.caps).toMatchObject({ webglVersion: 2, renderFloat32: true, tfjsBackend: 'webgl' });
    expect(reply.leaked).toBe(0);
    const cpu = mlp('cpu');
    const [x, y] = batch('mlp', 'cpu');
    const expected = Array.from({ length: 20 }, () => tidy(() => sgdStep(cpu, x, y, 0.1).item()));
    for (const [i, loss] of reply.losses.entries()) expect(loss).toBeCloseTo(expected[i]!, 4);
  });
});
