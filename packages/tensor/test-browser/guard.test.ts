/**
 * The guard: the browser really gives WebGL2 with float32 render targets and read-back, and tfjs really runs on
 * 'webgl' (not on a CPU fallback that would make every other browser test meaningless).
 */

import { getBackend, tensor } from '@nndl/tensor';
import { webglCapabilities } from '@nndl/tensor/webgl';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

describe('webgl start-up', () => {
  it('has WebGL2, float32 textures, and tfjs on webgl', () => {
    const caps = webglCapabilities();
    expect(caps.webglVersion).toBe(2);
    expect(caps.renderFloat32).toBe(true);
    expect(caps.downloadFloat).toBe(true);
    expect(tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')).toBe(true);
    expect(tf.env().getBool('WEBGL_DOWNLOAD_FLOAT_ENABLED')).toBe(true);
    expect(tf.getBackend()).toBe('webgl');
    expect(getBackend('webgl').name).toBe('webgl');
    const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl;
    expect(gl).toBeInstanceOf(WebGL2RenderingContext);
    const x = tensor([1, 2, 3], { device: 'webgl' });
    expect(x.device).toBe('webgl');
    expect(x.float().mul(2).toArray()).toEqual([2, 4, 6]);
  });

  it('names the renderer and whether it is software (this machine has no GPU: Mesa llvmpipe or SwiftShader)', () => {
    const { renderer, softwareRenderer } = webglCapabilities();
    console.log(`webgl renderer: ${renderer}`);
    expect(renderer).not.toBe('unknown');
    expect(softwareRenderer).toBe(
      /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i.test(renderer),
    );
    // CI and this machine render in software; a run on a real GPU prints its renderer above and skips this check.
    if (/swiftshader|llvmpipe/i.test(renderer)) expect(softwareRenderer).toBe(true);
  });
});
