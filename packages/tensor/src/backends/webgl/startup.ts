/**
 * Start-up checks of the WebGL backend: WebGL2, float32 render targets and float32 read-back, and a tfjs backend
 * that really is 'webgl'. Each failure throws an error that says what is missing and what to do; nothing falls back
 * silently to another backend.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's 'webgl' backend and its kernels with tfjs-core.
import '@tensorflow/tfjs-backend-webgl';

export interface WebGLOptions {
  /**
   * Accept a GPU that renders only to half-precision (float16) textures. Off by default: float16 has an 11-bit
   * mantissa, so gradients below ~6e-5 vanish and training silently diverges from the CPU.
   */
  allowHalfPrecision?: boolean;
  /**
   * Accept a software WebGL implementation (Mesa llvmpipe, SwiftShader). On by default, so that the backend works on
   * CPU-only machines (CI); such a renderer computes correctly but is usually slower than the CPU backend.
   */
  allowSoftwareRenderer?: boolean;
}

export const webglOptions: Required<WebGLOptions> = {
  allowHalfPrecision: false,
  allowSoftwareRenderer: true,
};

/** What the start-up checks found (also useful to print in a bug report). */
export interface WebGLCapabilities {
  webglVersion: number;
  renderFloat32: boolean;
  downloadFloat: boolean;
  tfjsBackend: string;
  /** The GL renderer's name as the browser reports it (e.g. 'ANGLE (NVIDIA, ...)'), or 'unknown'. */
  renderer: string;
  /**
   * Whether that renderer is software (SwiftShader, Mesa llvmpipe / softpipe, lavapipe, Microsoft Basic Render): it
   * computes correctly, but a small network trains far slower than on the CPU backend (the dashboard's playground:
   * ~49 ms a step on SwiftShader against ~0.5 ms on the CPU, on a 2-core machine).
   */
  softwareRenderer: boolean;
}

/** Renderer names of software WebGL implementations. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i;

/** The renderer of the GL context under tfjs's webgl backend (the unmasked name where the browser gives it). */
function rendererName(): string {
  const gl = (tf.backend() as { gpgpu?: { gl?: WebGL2RenderingContext } }).gpgpu?.gl;
  if (!gl) return 'unknown';
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
    return typeof name === 'string' && name.length > 0 ? name : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function probeCapabilities(): Pick<
  WebGLCapabilities,
  'webglVersion' | 'renderFloat32' | 'downloadFloat'
> {
  const env = tf.env();
  return {
    webglVersion: env.getNumber('WEBGL_VERSION'),
    renderFloat32: env.getBool('WEBGL_RENDER_FLOAT32_CAPABLE'),
    downloadFloat: env.getBool('WEBGL_DOWNLOAD_FLOAT_ENABLED'),
  };
}

/**
 * Run the checks and make tfjs's engine run on 'webgl'. Throws on any failure. `tfjsBackend` is for tests only (a
 * tfjs backend that fails to start).
 */
export function startWebGL(tfjsBackend = 'webgl'): WebGLCapabilities {
  const env = tf.env();
  // tfjs asks for a context with failIfMajorPerformanceCaveat unless this flag is set, and Chrome marks software
  // renderers as a major performance caveat: without the flag there is no context at all on a CPU-only machine.
  if (webglOptions.allowSoftwareRenderer) env.set('SOFTWARE_WEBGL_ENABLED', true);
  const caps = probeCapabilities();
  if (caps.webglVersion < 2) {
    throw new Error(
      `webgl: WebGL2 is not available here (tfjs WEBGL_VERSION = ${caps.webglVersion}). The 'webgl' backend needs ` +
        'WebGL2 (in a page, or in a worker with OffscreenCanvas). Use the CPU backend instead.',
    );
  }
  if (!caps.renderFloat32 || !caps.downloadFloat) {
    const missing = [
      caps.renderFloat32 ? null : 'rendering to float32 textures (WEBGL_RENDER_FLOAT32_CAPABLE)',
      caps.downloadFloat ? null : 'reading float32 textures back (WEBGL_DOWNLOAD_FLOAT_ENABLED)',
    ].filter((m) => m !== null);
    if (!webglOptions.allowHalfPrecision) {
      throw new Error(
        `webgl: this GPU supports only half precision (float16): it lacks ${missing.join(' and ')}. Training in ` +
          'float16 loses gradients below ~6e-5 and diverges from the CPU, so the backend refuses to start. Call ' +
          "configureWebGL({ allowHalfPrecision: true }) before first use to accept it, or use the 'cpu' backend.",
      );
    }
    env.set('WEBGL_FORCE_F16_TEXTURES', true);
  }
  // NOTE measured: with tfjs's packed binary-op shaders, a parameter updated in place by an SGD step (a packed
  // [3, 96] result of sub, shared through Identity) later fed a BatchMatMul without transposes that read wrong values
  // (gradients off by 1e-3 relative, where unpacked is exact: test-browser/webgl.test.ts, CNN parity). Unpacked
  // binary ops avoid it at a small cost.
  env.set('WEBGL_PACK_BINARY_OPERATIONS', false);
  // The webgl factory of tfjs is synchronous, so setBackend has switched (or failed) by the time it returns; its
  // promise resolves to false on failure, which tfjs only logs. Check the outcome here instead of trusting it.
  let failure: unknown = null;
  try {
    void tf.setBackend(tfjsBackend);
  } catch (error) {
    failure = error;
  }
  const engine = tf.engine() as unknown as { backendName: string; backendInstance: unknown };
  if (failure !== null || engine.backendName !== tfjsBackend || engine.backendInstance == null) {
    throw new Error(
      `webgl: tfjs could not start its '${tfjsBackend}' backend${failure instanceof Error ? ` (${failure.message})` : ''}; ` +
        `tfjs is on '${engine.backendName}'. Not continuing on another backend: see the warnings tfjs logged above.`,
    );
  }
  const renderer = rendererName();
  return {
    ...caps,
    tfjsBackend: tf.getBackend(),
    renderer,
    softwareRenderer: SOFTWARE_RENDERER.test(renderer),
  };
}
