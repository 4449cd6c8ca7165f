/**
 * @nndl/tensor/webgl: importing this module registers the 'webgl' backend, an adapter over
 * @tensorflow/tfjs-core + @tensorflow/tfjs-backend-webgl. It starts (and runs its checks) on first use.
 *
 * @example
 * import { setDefaultBackend, tidy } from '@nndl/tensor';
 * import '@nndl/tensor/webgl';
 * setDefaultBackend('webgl'); // throws if WebGL2 or float32 textures are missing
 * const loss = tidy(() => model(x).sub(y).pow(2).mean());
 * console.log(await loss.data());
 */
import * as tf from '@tensorflow/tfjs-core';
import { getBackend, registerBackend } from '../../backend.js';
import { WebGLBackend } from './backend.js';
import { startWebGL, type WebGLCapabilities, type WebGLOptions, webglOptions } from './startup.js';

export { WebGLBackend } from './backend.js';
export type { WebGLCapabilities, WebGLOptions } from './startup.js';

let started: WebGLBackend | null = null;

registerBackend('webgl', () => {
  started = new WebGLBackend(startWebGL());
  return started;
});

/** Set start-up options; call before the backend is first used. */
export function configureWebGL(options: WebGLOptions): void {
  if (started)
    throw new Error('configureWebGL: the webgl backend has already started; configure it before first use');
  Object.assign(webglOptions, options);
}

/** Start the backend (if needed) and return what its start-up checks found. Throws when a check fails. */
export function webglCapabilities(): WebGLCapabilities {
  return (getBackend('webgl') as WebGLBackend).capabilities;
}

/** tfjs's own counters (tensors, data buffers = textures, bytes), to check that nothing leaks below our handles. */
export function tfjsMemory(): tf.MemoryInfo {
  return tf.memory();
}
