'use client';
/**
 * The PyTorch book's first model, live: y = 2x + 3 + noise fitted by gradient descent with hand-written gradients
 * and with autograd, side by side from the same start, a few epochs per animation frame.
 */
import { useEffect, useMemo, useState } from 'react';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import type { Point } from '../runs/derive';
import { runInFrames } from './frames';
import {
  AutogradFit,
  type FitRecord,
  HandGradientFit,
  initialParameters,
  makeData,
  TRUE_B,
  TRUE_W,
} from './regression';

interface Settings {
  lr: number;
  epochs: number;
  noise: number;
  seed: number;
}

interface Snapshot {
  hand: { records: FitRecord[]; w: number; b: number };
  autograd: { records: FitRecord[]; w: number; b: number };
  done: boolean;
  /** Which settings this is from (the end-to-end test waits for its own). */
  key: string;
}

const HAND = colorAt(1);
const AUTOGRAD = colorAt(0);
const POINTS = 100;

export function LinearRegression() {
  const [settings, setSettings] = useState<Settings>({ lr: 0.1, epochs: 1000, noise: 0.1, seed: 42 });
  const [run, setRun] = useState(0);
  const data = useMemo(
    () => makeData(POINTS, settings.noise, settings.seed),
    [settings.noise, settings.seed],
  );
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);

  useEffect(() => {
    const start = initialParameters(settings.seed);
    const hand = new HandGradientFit(data, start, settings.lr);
    const autograd = new AutogradFit(data, start, settings.lr);
    return runInFrames(
      () => {
        hand.step();
        autograd.step();
        return hand.records.length < settings.epochs;
      },
      (done) =>
        setSnapshot({
          hand: { records: [...hand.records], ...hand.parameters },
          autograd: { records: [...autograd.records], ...autograd.parameters },
          done,
          key: `${settings.lr}|${settings.epochs}|${settings.noise}|${settings.seed}`,
        }),
      // About 1.5 s whatever the number of epochs.
      { total: settings.epochs, durationMs: 1500 },
    );
  }, [data, settings.lr, settings.epochs, settings.seed, run]);

  const scatter: LineSeries[] = useMemo(() => {
    const sorted = [...data.points].sort((a, b) => a[0] - b[0]);
    const fitted = (w: number, b: number): Point[] => [
      [0, b],
      [1, w + b],
    ];
    const out: LineSeries[] = [
      { id: 'data', label: `${POINTS} points`, color: '#8c959f', points: sorted, line: false, dots: true },
      {
        id: 'truth',
        label: 'y = 2x + 3',
        color: '#1b1f24',
        points: fitted(TRUE_W, TRUE_B),
        dash: '2 4',
        width: 1.2,
      },
    ];
    if (snapshot) {
      out.push({
        id: 'autograd',
        label: 'autograd fit',
        color: AUTOGRAD,
        points: fitted(snapshot.autograd.w, snapshot.autograd.b),
        width: 2.5,
      });
      out.push({
        id: 'hand',
        label: 'hand-written gradients',
        color: HAND,
        points: fitted(snapshot.hand.w, snapshot.hand.b),
        dash: '6 4',
        width: 2,
      });
    }
    return out;
  }, [data, snapshot]);
  const loss: LineSeries[] = useMemo(
    () =>
      snapshot
        ? [
            {
              id: 'autograd',
              label: 'autograd',
              color: AUTOGRAD,
              points: snapshot.autograd.records.map((r) => [r.epoch, r.loss] as Point),
              width: 2.5,
            },
            {
              id: 'hand',
              label: 'hand-written gradients',
              color: HAND,
              points: snapshot.hand.records.map((r) => [r.epoch, r.loss] as Point),
              dash: '6 4',
            },
          ]
        : [],
    [snapshot],
  );
  const paths = useMemo(
    () =>
      snapshot
        ? [
            {
              id: 'w-autograd',
              label: 'w (autograd)',
              color: AUTOGRAD,
              points: snapshot.autograd.records.map((r) => [r.epoch, r.w] as Point),
            },
            {
              id: 'b-autograd',
              label: 'b (autograd)',
              color: colorAt(2),
              points: snapshot.autograd.records.map((r) => [r.epoch, r.b] as Point),
            },
          ]
        : [],
    [snapshot],
  );
  const epochs = snapshot?.hand.records.length ?? 0;
  const difference = snapshot
    ? Math.max(
        Math.abs(snapshot.hand.w - snapshot.autograd.w),
        Math.abs(snapshot.hand.b - snapshot.autograd.b),
      )
    : 0;
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) =>
    setSettings((s) => ({ ...s, [key]: value }));
  const choice = <K extends keyof Settings>(label: string, key: K, values: readonly number[]) => (
    <label>
      {label}
      <select
        value={settings[key]}
        data-testid={`lr-${key}`}
        onChange={(e) => set(key, Number(e.target.value) as Settings[K])}
      >
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="lesson">
      <section className="controls" aria-label="fit settings">
        {choice('Learning rate', 'lr', [0.01, 0.03, 0.1, 0.3, 0.5])}
        {choice('Epochs', 'epochs', [100, 300, 1000, 3000])}
        {choice('Noise σ', 'noise', [0, 0.1, 0.3, 0.5, 1])}
        {choice('Seed', 'seed', [1, 2, 3, 42])}
        <div className="buttons">
          <button
            type="button"
            className="primary"
            data-testid="lr-replay"
            onClick={() => setRun((r) => r + 1)}
          >
            Fit again
          </button>
        </div>
        <div
          className="result"
          data-testid="lr-status"
          data-done={String(Boolean(snapshot?.done))}
          data-key={snapshot?.key ?? ''}
          data-w={snapshot?.autograd.w ?? ''}
          data-b={snapshot?.autograd.b ?? ''}
          data-hand-w={snapshot?.hand.w ?? ''}
          data-hand-b={snapshot?.hand.b ?? ''}
        >
          {snapshot && (
            <>
              <div>
                w = <strong>{snapshot.autograd.w.toFixed(4)}</strong>, b ={' '}
                <strong>{snapshot.autograd.b.toFixed(4)}</strong>
              </div>
              <div className="small muted">
                {snapshot.done ? `after ${epochs} epochs` : `epoch ${epochs} of ${settings.epochs}…`} (true: w
                = 2, b = 3)
              </div>
            </>
          )}
        </div>
        <table className="values" style={{ marginTop: 8 }}>
          <thead>
            <tr>
              <th />
              <th>by hand</th>
              <th>autograd</th>
            </tr>
          </thead>
          <tbody>
            {snapshot &&
              (
                [
                  ['w', snapshot.hand.w, snapshot.autograd.w],
                  ['b', snapshot.hand.b, snapshot.autograd.b],
                  [
                    'loss',
                    snapshot.hand.records.at(-1)?.loss ?? 0,
                    snapshot.autograd.records.at(-1)?.loss ?? 0,
                  ],
                ] as const
              ).map(([name, h, a]) => (
                <tr key={name}>
                  <th>{name}</th>
                  <td>{h.toFixed(5)}</td>
                  <td>{a.toFixed(5)}</td>
                </tr>
              ))}
          </tbody>
        </table>
        <p className="small muted">
          Largest difference between the two:{' '}
          {difference === 0 ? '0 (the same float32 numbers)' : difference.toExponential(1)}
        </p>
      </section>
      <section aria-label="charts">
        <div className="grid2">
          <LineChart
            title="The data and the fitted lines"
            testId="lr-scatter"
            series={scatter}
            xLabel="x"
            yLabel="y"
            xDomain={[0, 1]}
            height={300}
          />
          <LineChart
            title="Mean squared error per epoch"
            testId="lr-loss"
            series={loss}
            xLabel="epoch"
            yLabel="loss"
            yScale="log"
            xDomain={[0, settings.epochs]}
            height={300}
          />
        </div>
        <LineChart
          title="w and b on their way to 2 and 3"
          testId="lr-params"
          series={paths}
          xLabel="epoch"
          yLabel="value"
          xDomain={[0, settings.epochs]}
          rules={[
            { y: TRUE_W, label: 'w = 2' },
            { y: TRUE_B, label: 'b = 3' },
          ]}
          height={220}
        />
        <div className="grid2 small">
          <div>
            <strong>By hand</strong>
            <pre>{`const error = x.mul(w).add(b).sub(y);
const gradB = error.mean().mul(2);
const gradW = x.mul(error).mean().mul(2);
w = w.sub(gradW.mul(lr));
b = b.sub(gradB.mul(lr));`}</pre>
          </div>
          <div>
            <strong>With autograd</strong>
            <pre>{`const loss = x.mul(w).add(b).sub(y).square().mean();
loss.backward();
noGrad(() => {
  w.sub_(w.grad.mul(lr));
  b.sub_(b.grad.mul(lr));
});
w.grad = null; b.grad = null;`}</pre>
          </div>
        </div>
      </section>
    </div>
  );
}
