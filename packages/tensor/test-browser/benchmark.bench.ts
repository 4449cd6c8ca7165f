/**
 * WebGL benchmark, in the browser harness: matmul 512x512 and conv2d [4,32,32,16] x [3,3,16,32] (NHWC sizes; padding
 * 1), forward + backward, on nndl-webgl, nndl-cpu and raw tfjs-webgl in the same page. ms per iteration, including
 * the read-back of the gradients. Prints a table; not part of `pnpm test`.
 * Run: pnpm --filter @nndl/tensor bench:webgl
 */

import { conv2d, linear, maxPool2d, noGrad, oneHot, randint, randn, type Tensor, tidy } from '@nndl/tensor';
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

/**
 * Seconds per 50,000-sample epoch (batch 10) of Nielsen's [784,30,10] sigmoid MLP (quadratic cost, eta 3.0) and of
 * network3's two-conv net (log-likelihood, eta 0.1), written with tensor ops (this package cannot import @nndl/nn),
 * timed over `batches` steps and extrapolated to 5,000. Each step runs in one tidy and reads the loss back.
 */
async function epochSeconds(device: string, kind: 'mlp' | 'cnn', batches: number): Promise<number> {
  const p = (shape: number[], scale: number) =>
    randn(shape, { device: 'cpu' }).mul(scale).to(device).requiresGrad_(true);
  const params =
    kind === 'mlp'
      ? [p([30, 784], 1 / 28), p([30], 1), p([10, 30], 1 / Math.sqrt(30)), p([10], 1)]
      : [
          p([20, 1, 5, 5], 0.2),
          p([20], 0.1),
          p([40, 20, 5, 5], 0.05),
          p([40], 0.1),
          p([100, 640], 0.04),
          p([100], 0.1),
          p([10, 100], 0.1),
          p([10], 0.1),
        ];
  const xs = Array.from({ length: 10 }, () =>
    randn(kind === 'mlp' ? [10, 784] : [10, 1, 28, 28], { device: 'cpu' }).to(device),
  );
  const labels = Array.from({ length: 10 }, () => randint(0, 10, [10], { device: 'cpu' }).to(device));
  const eta = kind === 'mlp' ? 3.0 : 0.1;
  const step = async (i: number) => {
    const loss = tidy(() => {
      const x = xs[i % 10]!;
      const y = labels[i % 10]!;
      let cost: Tensor;
      if (kind === 'mlp') {
        const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
        const a = linear(linear(x, w1, b1).sigmoid(), w2, b2).sigmoid();
        cost = a
          .sub(oneHot(y, 10, 'float32'))
          .pow(2)
          .sum()
          .div(20);
      } else {
        const [c1, cb1, c2, cb2, w3, b3, w4, b4] = params as Tensor[] as [
          Tensor,
          Tensor,
          Tensor,
          Tensor,
          Tensor,
          Tensor,
          Tensor,
          Tensor,
        ];
        const h1 = maxPool2d(conv2d(x, c1), 2)
          .add(cb1.reshape(1, 20, 1, 1))
          .sigmoid();
        const h2 = maxPool2d(conv2d(h1, c2), 2)
          .add(cb2.reshape(1, 40, 1, 1))
          .sigmoid();
        const z = linear(linear(h2.flatten(1), w3, b3).sigmoid(), w4, b4);
        cost = z.logSoftmax(1).gather(1, y.reshape(10, 1)).mean().neg();
      }
      cost.backward();
      noGrad(() => {
        for (const q of params) {
          q.sub_(q.grad!.mul(eta));
          q.grad = null;
        }
      });
      return cost;
    });
    await loss.data();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) await step(i);
  const start = performance.now();
  for (let i = 0; i < batches; i++) await step(i);
  return ((performance.now() - start) / 1000 / batches) * 5000;
}

it('prints one-epoch times for the MLP and the two-conv net', async () => {
  const lines = [
    '| model | nndl-webgl s/epoch | nndl-cpu s/epoch | batches timed |',
    '| --- | --- | --- | --- |',
  ];
  for (const [kind, batches] of [
    ['mlp', 200],
    ['cnn', 20],
  ] as const) {
    const webgl = await epochSeconds('webgl', kind, batches);
    const cpu = await epochSeconds('cpu', kind, batches);
    lines.push(
      `| ${kind === 'mlp' ? "Nielsen's [784,30,10]" : 'two-conv net'} | ${webgl.toFixed(1)} | ${cpu.toFixed(1)} | ${batches} (extrapolated to 5,000) |`,
    );
  }
  console.log(lines.join('\n'));
}, 600_000);

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
