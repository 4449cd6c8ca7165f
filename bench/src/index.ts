/**
 * nndl benchmarks, side by side with TensorFlow.js (cpu and wasm backends), in one process on one thread.
 *
 *   pnpm bench            # readable table
 *   pnpm bench --json     # machine-readable results
 *   pnpm bench --quick    # shorter timing (smoke test; figures are noisier)
 *   pnpm bench --cpu-time # time with this process's CPU time instead of the wall clock (for shared machines)
 *   pnpm bench --only tensor,nn,data   # some sections (default: all three)
 *
 * Sections: tensor (kernels and op overhead), nn (an epoch of Nielsen's MLP and of the two-conv net), data (the
 * loader's throughput on MNIST).
 * Sections are functions from runners to rows; later packages add theirs (MLP epoch, data loader) to SECTIONS.
 */

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { cpuWasmModule } from '@nndl/tensor';
import { benchData, type DataBenchRow, formatDataBench } from './data_bench.js';
import { benchNn, type NnBenchRow, QUICK_NN_OPTIONS, renderNnTable } from './nn_bench.js';
import { nndlRunner } from './nndl.js';
import type { Runner } from './runner.js';
import { type Row, renderTable } from './table.js';
import { tensorBench } from './tensor_bench.js';
import { setupTfjs, tfjsRunner } from './tfjs.js';
import { cpuClock, DEFAULT_TIMING, QUICK_TIMING, type TimingOptions } from './timing.js';

interface Section {
  name: string;
  run(runners: readonly Runner[], timing: TimingOptions): Promise<Row[]>;
}

const SECTIONS: readonly Section[] = [{ name: 'tensor', run: tensorBench }];

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

async function main(argv: readonly string[]): Promise<void> {
  // The side-by-side rows compare one thread with one thread: pin nndl's CPU backend (created lazily, after this) to
  // one thread unless the caller chose otherwise. The "two threads" row builds its own two-thread backend.
  process.env.NNDL_CPU_THREADS ??= '1';
  const json = argv.includes('--json');
  const cpuTime = argv.includes('--cpu-time');
  const timing: TimingOptions = {
    ...(argv.includes('--quick') ? QUICK_TIMING : DEFAULT_TIMING),
    ...(cpuTime ? { clock: cpuClock } : {}),
  };
  const known = ['--json', '--quick', '--cpu-time'];
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? (argv[onlyIndex + 1] ?? '').split(',') : ['tensor', 'nn', 'data'];
  const bad = only.filter((s) => !['tensor', 'nn', 'data'].includes(s));
  if (bad.length > 0)
    throw new Error(`bench: unknown sections ${bad.join(', ')} (expected tensor, nn, data)`);
  const unknown = argv.filter((a, i) => !known.includes(a) && a !== '--only' && i !== onlyIndex + 1);
  if (unknown.length > 0)
    throw new Error(`bench: unknown arguments ${unknown.join(' ')} (expected ${known.join(', ')})`);

  const tfjs = await setupTfjs();
  const runners: Runner[] = [nndlRunner(), nndlRunner('ts'), tfjsRunner('cpu')];
  if (!tfjs.wasmError) runners.push(tfjsRunner('wasm'));
  const machine = {
    cpu: cpuModel(),
    logicalCores: cpus().length,
    node: process.version,
    tfjs: tfjs.version,
    wasmSimd: tfjs.wasmSimd,
    wasmThreads: tfjs.wasmThreads,
    wasmError: tfjs.wasmError ?? null,
    nndlWasmModule: cpuWasmModule(),
  };
  if (!json) {
    console.log(
      `nndl benchmarks: ${machine.cpu} (${machine.logicalCores} logical cores), node ${machine.node}; nndl's wasm ` +
        `module: ${machine.nndlWasmModule ?? 'none (TypeScript kernels)'}`,
    );
    console.log(
      `peers: tfjs ${machine.tfjs} cpu backend; wasm backend ` +
        (tfjs.wasmError
          ? `unavailable (${tfjs.wasmError})`
          : `(SIMD ${tfjs.wasmSimd ? 'on' : 'off'}, ${tfjs.wasmThreads} thread)`),
    );
    console.log(
      `side-by-side rows single-threaded (the "two threads" row aside); medians of repeats after warm-up, timed by ` +
        `${cpuTime ? 'process CPU time' : 'wall clock'}\n`,
    );
  }

  const rows: Row[] = [];
  const names = runners.map((r) => r.name);
  if (only.includes('tensor')) {
    for (const section of SECTIONS) rows.push(...(await section.run(runners, timing)));
    if (!json) {
      console.log(renderTable(rows, names));
      console.log(`\nratios are nndl speed / peer speed: above 1 means nndl is faster.\n`);
    }
  }
  const quick = argv.includes('--quick');
  let nn: NnBenchRow[] = [];
  if (only.includes('nn')) {
    if (!json)
      console.log('one epoch of 50,000 samples, mini-batch 10 (peers extrapolated from fewer batches):');
    nn = await benchNn({ cpuTime, ...(quick ? QUICK_NN_OPTIONS : { mlpPeerBatches: 1000 }) });
    if (!json) console.log(`${renderNnTable(nn)}\n`);
  }
  let data: DataBenchRow[] = [];
  if (only.includes('data')) {
    data = await benchData(quick ? { batches: 200 } : {});
    if (!json) console.log(`data loader, MNIST, batch 64:\n${formatDataBench(data)}`);
  }
  if (json) {
    const { clock: _clock, ...settings } = timing;
    const timingJson = { ...settings, clock: cpuTime ? 'cpu' : 'wall' };
    console.log(JSON.stringify({ machine, timing: timingJson, runners: names, rows, nn, data }, null, 2));
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
