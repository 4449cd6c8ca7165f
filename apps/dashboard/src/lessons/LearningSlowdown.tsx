'use client';
/**
 * Chapter 3's learning slowdown, live: the same sigmoid neuron trained with the quadratic cost and with the
 * cross-entropy cost, a few epochs per animation frame, drawn as cost, output and dC/dw against the epoch.
 */
import { useEffect, useMemo, useState } from 'react';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import { runInFrames } from './frames';
import { BOOK_CROSS_ENTROPY_ETA, EPOCHS, ETA, type NeuronRecord, NeuronTrainer, STARTS } from './slowdown';

const QUADRATIC = colorAt(0);
const CROSS_ENTROPY = colorAt(1);
const EPOCH_DOMAIN: [number, number] = [0, EPOCHS];

interface Settings {
  start: (typeof STARTS)[number]['id'];
  crossEntropyEta: number;
}

export function LearningSlowdown() {
  const [settings, setSettings] = useState<Settings>({ start: 'w2-b2', crossEntropyEta: ETA });
  const [run, setRun] = useState(0);
  const [records, setRecords] = useState<{
    /** Which settings these records are from (the end-to-end test waits for its own). */
    key: string;
    quadratic: NeuronRecord[];
    crossEntropy: NeuronRecord[];
  }>({ key: '', quadratic: [], crossEntropy: [] });
  const [done, setDone] = useState(false);

  // Train both neurons side by side, paced so that the curves grow for about 1.5 s.
  useEffect(() => {
    const start = STARTS.find((s) => s.id === settings.start)!;
    const quadratic = new NeuronTrainer({
      cost: 'quadratic',
      w: start.w,
      b: start.b,
      eta: ETA,
      epochs: EPOCHS,
    });
    const crossEntropy = new NeuronTrainer({
      cost: 'cross-entropy',
      w: start.w,
      b: start.b,
      eta: settings.crossEntropyEta,
      epochs: EPOCHS,
    });
    setDone(false);
    return runInFrames(
      () => {
        const more = quadratic.step();
        return crossEntropy.step() || more;
      },
      (finished) => {
        setRecords({
          key: `${settings.start}|${settings.crossEntropyEta}`,
          quadratic: [...quadratic.records],
          crossEntropy: [...crossEntropy.records],
        });
        setDone(finished);
      },
      { total: EPOCHS + 1, durationMs: 1500 },
    );
  }, [settings, run]);

  const series = (pick: (r: NeuronRecord) => number, which: 'both' | 'quadratic' | 'crossEntropy') => {
    const out: LineSeries[] = [];
    if (which !== 'crossEntropy')
      out.push({
        id: 'quadratic',
        label: `quadratic cost, η = ${ETA}`,
        color: QUADRATIC,
        points: records.quadratic.map((r) => [r.epoch, pick(r)]),
      });
    if (which !== 'quadratic')
      out.push({
        id: 'cross-entropy',
        label: `cross-entropy, η = ${settings.crossEntropyEta}`,
        color: CROSS_ENTROPY,
        points: records.crossEntropy.map((r) => [r.epoch, pick(r)]),
      });
    return out;
  };
  const costQuadratic = useMemo(() => series((r) => r.cost, 'quadratic'), [records]);
  const costCrossEntropy = useMemo(() => series((r) => r.cost, 'crossEntropy'), [records]);
  const outputs = useMemo(() => series((r) => r.output, 'both'), [records]);
  const gradients = useMemo(() => series((r) => r.gradW, 'both'), [records]);
  const lastQ = records.quadratic.at(-1);
  const lastC = records.crossEntropy.at(-1);

  return (
    <div className="lesson">
      <section className="controls" aria-label="training settings">
        <fieldset>
          <legend>Starting point</legend>
          {STARTS.map((s) => (
            <label className="radio" key={s.id}>
              <input
                type="radio"
                name="start"
                value={s.id}
                data-testid={`start-${s.id}`}
                checked={settings.start === s.id}
                onChange={() => setSettings((o) => ({ ...o, start: s.id }))}
              />
              {s.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Cross-entropy learning rate</legend>
          {[
            [ETA, `η = ${ETA}, the same as the quadratic cost`],
            [BOOK_CROSS_ENTROPY_ETA, `η = ${BOOK_CROSS_ENTROPY_ETA}, the book's figures`],
          ].map(([eta, label]) => (
            <label className="radio" key={eta}>
              <input
                type="radio"
                name="ce-eta"
                value={eta}
                data-testid={`ce-eta-${eta}`}
                checked={settings.crossEntropyEta === eta}
                onChange={() => setSettings((o) => ({ ...o, crossEntropyEta: eta as number }))}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <p className="small muted">
          Input x = 1, target y = 0, {EPOCHS} epochs of gradient descent; the quadratic cost always uses η ={' '}
          {ETA}.
        </p>
        <div className="buttons">
          <button type="button" className="primary" data-testid="replay" onClick={() => setRun((r) => r + 1)}>
            Train again
          </button>
        </div>
        <div
          className="small"
          style={{ marginTop: 10 }}
          data-testid="slowdown-status"
          data-done={String(done)}
          data-key={records.key}
          data-quadratic-output={lastQ?.output ?? ''}
          data-cross-entropy-output={lastC?.output ?? ''}
        >
          {done ? `trained ${EPOCHS} epochs` : `epoch ${lastQ?.epoch ?? 0} of ${EPOCHS}…`}
        </div>
        <table className="values" style={{ marginTop: 8 }}>
          <thead>
            <tr>
              <th />
              <th>quadratic</th>
              <th>cross-entropy</th>
            </tr>
          </thead>
          <tbody>
            {(
              [
                ['output a', (r) => r.output.toFixed(3)],
                ['cost', (r) => r.cost.toFixed(4)],
                ['∂C/∂w', (r) => r.gradW.toFixed(4)],
                ['w', (r) => r.w.toFixed(3)],
                ['b', (r) => r.b.toFixed(3)],
              ] as [string, (r: NeuronRecord) => string][]
            ).map(([name, show]) => (
              <tr key={name}>
                <th>{name}</th>
                <td>{lastQ ? show(lastQ) : ''}</td>
                <td>{lastC ? show(lastC) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-label="charts">
        <div className="grid2">
          <LineChart
            title="Quadratic cost (a - y)² / 2"
            testId="cost-quadratic"
            series={costQuadratic}
            xLabel="epoch"
            yLabel="cost"
            xDomain={EPOCH_DOMAIN}
            height={230}
          />
          <LineChart
            title="Cross-entropy cost -ln(1 - a)"
            testId="cost-cross-entropy"
            series={costCrossEntropy}
            xLabel="epoch"
            yLabel="cost"
            xDomain={EPOCH_DOMAIN}
            height={230}
          />
          <LineChart
            title="Output a of the neuron (target 0)"
            testId="output-chart"
            series={outputs}
            xLabel="epoch"
            yLabel="output a"
            xDomain={EPOCH_DOMAIN}
            yDomain={[0, 1]}
            height={230}
          />
          <LineChart
            title="Gradient ∂C/∂w: how fast w moves"
            testId="gradient-chart"
            series={gradients}
            xLabel="epoch"
            yLabel="∂C/∂w"
            xDomain={EPOCH_DOMAIN}
            height={230}
          />
        </div>
        <p className="small muted explain">
          From w = 2, b = 2 the quadratic cost's gradient starts near 0.02 (σ′(4) ≈ 0.018 times the error),
          rises as the neuron leaves saturation and only then does the output fall. The cross-entropy neuron's
          gradient is the error itself, 0.98 at the start, so it learns fastest at first. From w = 0.6, b =
          0.9 the neuron is not saturated and both costs learn quickly.
        </p>
      </section>
    </div>
  );
}
