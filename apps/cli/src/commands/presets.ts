/** nndl presets: the books' experiments. */
import { presets } from '@nndl/engine';
import { table } from '../format.js';

export async function presetsCommand(args: string[]): Promise<number> {
  if (args.includes('--json')) {
    console.log(JSON.stringify(presets, null, 2));
    return 0;
  }
  console.log(
    table(
      ['preset', 'book', 'description'],
      presets.map((p) => [
        p.name,
        p.reference?.accuracy !== undefined ? `${p.reference.accuracy}%` : '-',
        p.description,
      ]),
    ),
  );
  console.log('\nTrain one with `nndl train <preset>`; `nndl presets --json` prints their full specs.');
  return 0;
}
