/**
 * A dedicated Web Worker that trains on the 'webgl' backend (tfjs creates its WebGL2 context on an OffscreenCanvas
 * there), as the dashboard's playground does. Replies with what it saw and the losses.
 */
import { getBackend, setDefaultBackend, tidy } from '@nndl/tensor';
import { webglCapabilities } from '@nndl/tensor/webgl';
import { batch, mlp, sgdStep } from './models.js';

self.onmessage = () => {
  try {
    setDefaultBackend('webgl');
    const caps = webglCapabilities();
    const model = mlp('webgl');
    const [x, y] = batch('mlp', 'webgl');
    const before = getBackend('webgl').memory().numHandles;
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) losses.push(tidy(() => sgdStep(model, x, y, 0.1).item()));
    self.postMessage({
      ok: true,
      caps,
      inWorker: typeof document === 'undefined',
      offscreen: typeof OffscreenCanvas !== 'undefined',
      losses,
      leaked: getBackend('webgl').memory().numHandles - before,
    });
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) });
  }
};
