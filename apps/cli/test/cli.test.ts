/** The CLI end to end, as a subprocess: train, checkpoint, resume, eval, predict, --json, exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BundledDigits } from '@nndl/data';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/nndl.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'nndl-cli-'));
const runs = join(work, 'runs');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function nndl(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('nndl', () => {
  it('prints help, and exits 2 on bad usage with a readable message', () => {
    expect(nndl('--help').stdout).toMatch(/nndl train \[preset \| spec\.json\]/);
    const unknown = nndl('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const badPreset = nndl('train', 'no-such-preset');
    expect(badPreset.code).toBe(2);
    expect(badPreset.stderr).toMatch(/Unknown preset 'no-such-preset'. Available presets: quickstart/);
    const badOption = nndl('train', '--epochs', 'zero');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/--epochs must be an integer >= 1, got 'zero'/);
    expect(badOption.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('reports a spec file error by field', () => {
    const spec = join(work, 'bad.json');
    writeFileSync(
      spec,
      JSON.stringify({ name: 'bad', model: { type: 'nielsen', sizes: [784] }, loss: 'quadratic' }),
    );
    const r = nndl('train', spec);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid .*bad\.json:\n {2}- model\.sizes: /);
    expect(r.stderr).toMatch(/- data: /);
  });

  it('trains, resumes, evaluates and predicts', async () => {
    const train = nndl('train', 'quickstart', '--epochs', '2', '--out', runs, '--seed', '3');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/epoch +test acc/);
    expect(train.stdout).toMatch(/finished: 2 epochs, 1,600 steps/);
    const runId = readdirSync(runs)[0]!;

    const json = nndl('train', 'quickstart', '--epochs', '1', '--out', runs, '--json');
    expect(json.code).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe('runStart');
    expect(events.at(-1)!.type).toBe('runEnd');
    expect(events.filter((e) => e.type === 'epochEnd')).toHaveLength(1);

    const resumed = nndl('resume', runId, '--out', runs);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming after epoch 2/);

    const evaluated = nndl('eval', runId, '--out', runs, '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const result = JSON.parse(evaluated.stdout) as { accuracy: number; samples: number };
    expect(result.samples).toBe(2000);
    expect(result.accuracy).toBeGreaterThan(70);

    const test = await BundledDigits.load({ split: 'test' });
    const pngs: string[] = [];
    for (let i = 0; i < 30; i++) {
      const path = join(work, `digit-${i}.png`);
      writeFileSync(
        path,
        encode({
          width: 28,
          height: 28,
          data: test.images.slice(i * 784, (i + 1) * 784),
          channels: 1,
          depth: 8,
        }),
      );
      pngs.push(path);
    }
    const predicted = nndl('predict', runId, ...pngs, '--out', runs, '--json');
    expect(predicted.code, predicted.stderr).toBe(0);
    const predictions = JSON.parse(predicted.stdout) as { prediction: number }[];
    expect(predictions).toHaveLength(30);
    // The resumed run trained 10 epochs (about 90% on this split): most of the 30 digits come out right.
    const correct = predictions.filter((p, i) => p.prediction === test.targets[i]).length;
    expect(correct).toBeGreaterThanOrEqual(21);
    expect(correct / 30).toBeCloseTo(result.accuracy / 100, 0);
    const missing = nndl('eval', 'no-such-run', '--out', runs);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/neither a checkpoint file nor a run/);
  });

  it('lists presets and shows the chapter-5 gradient table', () => {
    const presets = nndl('presets');
    expect(presets.stdout).toMatch(/ch1-784-30-10 +95\.42%/);
    // No MNIST in the working folder: the bundled digits stand in, and the output says so.
    const g = nndl('gradients', 'ch5-deep-2', '--epochs', '1', '--json');
    expect(g.code, g.stderr).toBe(0);
    const table = JSON.parse(g.stdout.trim().split('\n').at(-1)!) as {
      initial: number[];
      book: number[];
      note: string;
    };
    expect(table.note).toMatch(/MNIST not found .*using the bundled digits/);
    // A data folder that was named but is not there is an error, not a silent fallback.
    const missing = nndl('gradients', 'ch5-deep-2', '--data-dir', join(work, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/could not read the data set .*nowhere.*nndl data download mnist/);
    expect(table.book).toEqual([0.0657, 0.3092]);
    expect(table.initial[0]!).toBeLessThan(table.initial[1]!);
  });
});

describe('predict image handling', () => {
  it('keeps colour for 3-channel models and inverts only dark-on-light grey digits', async () => {
    const { imageToInput } = await import('../src/commands/predict.js');
    const sky = new Uint8Array(32 * 32 * 3);
    for (let p = 0; p < 32 * 32; p++) sky.set([135, 206, 250], p * 3);
    const path = join(work, 'sky.png');
    writeFileSync(path, encode({ width: 32, height: 32, data: sky, channels: 3, depth: 8 }));
    const colour = imageToInput(path, 3, 32);
    expect(colour.inverted).toBe(false);
    expect(colour.input[0]).toBeCloseTo(135 / 255, 5);
    expect(colour.input[32 * 32]).toBeCloseTo(206 / 255, 5);
    expect(colour.input[2 * 32 * 32]).toBeCloseTo(250 / 255, 5);
    const paper = new Uint8Array(56 * 56).fill(255);
    paper[28 * 56 + 28] = 0;
    const grey = join(work, 'paper.png');
    writeFileSync(grey, encode({ width: 56, height: 56, data: paper, channels: 1, depth: 8 }));
    const digit = imageToInput(grey, 1, 28);
    expect(digit.inverted).toBe(true);
    expect(digit.input[0]).toBe(0);
    expect(digit.input[14 * 28 + 14]).toBeCloseTo(0.25, 5);
  });
});
