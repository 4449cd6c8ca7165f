/**
 * WebGL benchmark, in the browser harness: matmul 512x512 and conv2d [4,32,32,16] x [3,3,16,32] (NHWC sizes; padding
 * 1), forward + backward, on nndl-webgl, nndl-cpu and raw tfjs-webgl in the same page. ms per iteration, including
 * the read-back of the gradients. Prints a table; not part of `pnpm test`.
 * Run: pnpm --filter @nndl/tensor bench:webgl
 */

import { conv2d, randn, type Tensor, tidy } from '@nndl/tensor';
import * as tf from '@tensorflow/tfjs-core';
import '@nndl/tensor/webgl';
// tfjs's own gradients, for the raw tfjs-webgl column (the nndl backend never uses them).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { it } from 'vitest';

const ITERATIONS = 5;

async function time(run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 2; i++) await run(); // warm-up: shader compilation, texture pools
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) await run();
  return (performance.now() - start) / ITERATIONS;
}

function nndl(device: string, make: () => Tensor[], f: (...xs: Tensor[]) => Tensor) {
  const inputs = make().map((t) => t.to(device).requiresGrad_(true));
  return async () => {
    const grads = tidy(() => {
      f(...inputs)
        .sum()
        .backward();
      const gs = inputs.map((t) => t.grad!);
      for (const t of inputs) t.grad = null;
      return gs;
    });
    for (const g of grads) await g.data();
    for (const g of grads) g.dispose();
  };
}

function rawTfjs(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor) {
  const inputs = shapes.map((s) => tf.randomNormal(s));
  const gradsOf = tf.grads((...xs: tf.Tensor[]) => tf.sum(f(...xs)));
  return async () => {
    const grads = gradsOf(inputs);
    for (const g of grads) await g.data();
    tf.dispose(grads);
  };
}

it('prints the benchmark table', async () => {
  const rows: string[] = [];
  const cases = [
    {
      name: 'matmul 512x512 fwd+bwd',
      make: () => [randn([512, 512]), randn([512, 512])],
      f: (a: Tensor, b: Tensor) => a.matmul(b),
      tfShapes: [
        [512, 512],
        [512, 512],
      ],
      tfF: (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    },
    {
      name: 'conv2d [4,32,32,16]x[3,3,16,32] fwd+bwd',
      make: () => [randn([4, 16, 32, 32]), randn([32, 16, 3, 3])],
      f: (x: Tensor, w: Tensor) => conv2d(x, w, null, { padding: 1 }),
      tfShapes: [
        [4, 32, 32, 16],
        [3, 3, 16, 32],
      ],
      tfF: (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
    },
  ];
  for (const c of cases) {
    const f = c.f as (...xs: Tensor[]) => Tensor;
    const webgl = await time(nndl('webgl', c.make, f));
    const cpu = await time(nndl('cpu', c.make, f));
    const raw = await time(rawTfjs(c.tfShapes, c.tfF as (...xs: tf.Tensor[]) => tf.Tensor));
    rows.push(
      `| ${c.name} | ${webgl.toFixed(1)} | ${cpu.toFixed(1)} | ${raw.toFixed(1)} | ${(webgl / raw).toFixed(2)} |`,
    );
  }
  const renderer = (() => {
    const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return info
      ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL))
      : String(gl.getParameter(gl.RENDERER));
  })();
  console.log(
    [
      `renderer: ${renderer}; ${ITERATIONS} iterations after 2 warm-ups; ms per iteration incl. gradient read-back`,
      '| case | nndl-webgl | nndl-cpu | tfjs-webgl | nndl-webgl / tfjs-webgl |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
}, 300_000);
