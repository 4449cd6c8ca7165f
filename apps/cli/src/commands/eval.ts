/** nndl eval <run | checkpoint>: cost and accuracy on the evaluation set (and the training set with --train). */
import { batchOf } from '@nndl/engine';
import { loadData } from '@nndl/engine/node';
import { noGrad } from '@nndl/tensor';
import { loadTrained } from '../model_loader.js';
import { parse, UsageError } from '../usage.js';

const USAGE = 'nndl eval <run | checkpoint> [--data-dir DIR] [--out DIR] [--json]';

export async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { 'data-dir': { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (positionals.length !== 1) throw new UsageError(`expected one run or checkpoint\nusage: ${USAGE}`);
  const { spec, built, source } = loadTrained(positionals[0]!, values.out as string | undefined);
  const data = await loadData(spec, values['data-dir'] ? { dataDir: String(values['data-dir']) } : {});
  const started = performance.now();
  const result = noGrad(() => {
    let cost = 0;
    let correct = 0;
    let classified = false;
    const n = data.evaluation.length;
    for (let start = 0; start < n; start += 1000) {
      const indices = Array.from({ length: Math.min(1000, n - start) }, (_, i) => start + i);
      const [x, y] = batchOf(data.evaluation, indices);
      const out = built.forward(x);
      cost += built.loss(out, y).item() * indices.length;
      const predicted = built.predict(out);
      if (predicted) {
        classified = true;
        correct += predicted.eq(y).sum().item();
      }
    }
    return { samples: n, cost: cost / n, accuracy: classified ? (100 * correct) / n : null };
  });
  const seconds = (performance.now() - started) / 1000;
  if (values.json) {
    console.log(
      JSON.stringify({
        checkpoint: source,
        spec: spec.name,
        evaluation: data.description,
        ...result,
        seconds,
      }),
    );
    return 0;
  }
  console.log(`${spec.name} from ${source}`);
  console.log(`  ${data.description}: ${result.samples.toLocaleString('en-US')} samples`);
  console.log(`  cost      ${result.cost.toFixed(4)}`);
  if (result.accuracy !== null) {
    console.log(
      `  accuracy  ${result.accuracy.toFixed(2)}%${spec.reference?.accuracy !== undefined ? ` (the book: ${spec.reference.accuracy}%)` : ''}`,
    );
  }
  return 0;
}
