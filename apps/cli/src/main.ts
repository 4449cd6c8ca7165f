/**
 * nndl: train the books' networks from the command line.
 *
 * Exit codes: 0 success, 1 the run (or the command's work) failed, 2 bad usage (including an invalid spec), 130 a run
 * stopped by Ctrl-C (its checkpoint written; `nndl resume` continues it). Errors are one readable paragraph;
 * --verbose adds the stack trace.
 */

import { SpecError } from '@nndl/engine';
import { benchCommand } from './commands/bench.js';
import { dataCommand } from './commands/data.js';
import { evalCommand } from './commands/eval.js';
import { gradientsCommand } from './commands/gradients.js';
import { predictCommand } from './commands/predict.js';
import { presetsCommand } from './commands/presets.js';
import { reproduceCommand } from './commands/reproduce.js';
import { resumeCommand, trainCommand } from './commands/train.js';
import { UsageError } from './usage.js';

export const HELP = `nndl: neural networks and deep learning, in TypeScript

Usage:
  nndl train [preset | spec.json] [options]   train (default preset: quickstart)
  nndl resume <run>                           continue a stopped run from its last checkpoint
  nndl eval <run | checkpoint>                cost and accuracy on the evaluation set
  nndl predict <run | checkpoint> <image.png...>
                                              classify 28x28 grey PNG digits
  nndl gradients <preset>                     chapter 5: per-layer speed of learning vs the book
  nndl reproduce nielsen [--quick]            the book's results table, with nndl's beside it
  nndl presets                                list the presets
  nndl data download <mnist|fashion-mnist|cifar10> [--data-dir DIR]
  nndl data info [dataset] [--data-dir DIR]
  nndl bench                                  a quick speed check (pnpm bench compares with TensorFlow.js)

Training options:
  --epochs N  --batch-size N  --lr X  --lambda X  --seed N  --backend cpu|webgl
  --workers N       data-parallel: split each mini-batch between N threads (default 1)
  --data-dir DIR    where the data set's files are (default ./data/<dataset> or $NNDL_DATA_DIR/<dataset>)
  --out DIR         the run store (default ./runs or $NNDL_RUNS_DIR)
  --json            print events as JSON lines instead of tables
  --verbose         show stack traces on errors

Run \`nndl <command> --help\` for a command's details.`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  train: trainCommand,
  resume: resumeCommand,
  eval: evalCommand,
  predict: predictCommand,
  gradients: gradientsCommand,
  reproduce: reproduceCommand,
  presets: presetsCommand,
  data: dataCommand,
  bench: benchCommand,
};

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log('nndl 0.1.0');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(
      `nndl: unknown command '${name}'. Commands: ${Object.keys(commands).join(', ')}. Try nndl --help.`,
    );
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    const error = e as Error;
    // A bad spec (file or overrides) is bad input, like a bad option: exit 2.
    if (e instanceof UsageError || e instanceof SpecError) {
      console.error(`nndl ${name}: ${error.message}`);
      return 2;
    }
    console.error(`nndl ${name}: ${error.message}`);
    if (verbose && error.stack) console.error(error.stack);
    else console.error('(run with --verbose for the stack trace)');
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && /main\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
