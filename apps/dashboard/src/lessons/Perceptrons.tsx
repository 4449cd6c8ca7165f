'use client';
/**
 * Chapter 1: a perceptron with editable weights and bias (NAND by default), its truth table and decision map, the
 * two-bit adder built from copies of it, and the sigmoid neuron that replaces the step and sharpens as its weights
 * and bias are scaled. Everything is a few @nndl/tensor ops, recomputed on every change.
 */
import { useMemo, useState } from 'react';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import { AdderDiagram, type AdderState } from './AdderDiagram';
import { DecisionMap } from './DecisionMap';
import {
  type Activation,
  adder,
  INPUT_PAIRS,
  NAND,
  type Neuron,
  outputsAgainstScale,
  truthTable,
} from './perceptron';

/** Scales on the slider: 2^(k/4) for k = -8..17, 0.25 to about 19. */
const scaleAt = (k: number) => 2 ** (k / 4);
const SCALES = Array.from({ length: 120 }, (_, i) => 0.25 + (i * (20 - 0.25)) / 119);

export function Perceptrons() {
  const [neuron, setNeuron] = useState<Neuron>(NAND);
  const [scaleStep, setScaleStep] = useState(0);
  const [inputs, setInputs] = useState<[number, number]>([1, 1]);
  const table = useMemo(() => truthTable(neuron), [neuron]);
  const gates = useMemo(() => {
    const a = adder(neuron);
    const read = (t: typeof a.g1) => Array.from(t.dataSync());
    return { g1: read(a.g1), g2: read(a.g2), g3: read(a.g3), sum: read(a.sum), carry: read(a.carry) };
  }, [neuron]);
  const scaleSeries: LineSeries[] = useMemo(
    () =>
      outputsAgainstScale(neuron, SCALES).map((points, i) => ({
        id: `in-${i}`,
        label: `x = (${INPUT_PAIRS[i]!.join(', ')})`,
        color: colorAt(i),
        points,
        dash: i === 2 ? '6 3' : undefined,
      })),
    [neuron],
  );

  const set = (patch: Partial<Neuron>) => setNeuron((n) => ({ ...n, ...patch }));
  const sigmoid = neuron.activation === 'sigmoid';
  const format = (v: number) => (sigmoid ? v.toFixed(3) : String(v));
  const row = INPUT_PAIRS.findIndex(([a, b]) => a === inputs[0] && b === inputs[1]);
  const state: AdderState = {
    x1: inputs[0],
    x2: inputs[1],
    g1: gates.g1[row]!,
    g2: gates.g2[row]!,
    g3: gates.g3[row]!,
    sum: gates.sum[row]!,
    carry: gates.carry[row]!,
  };
  const numberInput = (label: string, testId: string, value: number, onChange: (v: number) => void) => (
    <label>
      {label}
      <input
        type="number"
        step={0.5}
        value={value}
        data-testid={testId}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v)) onChange(v);
        }}
      />
    </label>
  );

  return (
    <div className="lesson">
      <section className="controls" aria-label="the perceptron">
        {numberInput('weight w1', 'w1', neuron.weights[0], (v) => set({ weights: [v, neuron.weights[1]] }))}
        {numberInput('weight w2', 'w2', neuron.weights[1], (v) => set({ weights: [neuron.weights[0], v] }))}
        {numberInput('bias b', 'bias', neuron.bias, (v) => set({ bias: v }))}
        <fieldset>
          <legend>Activation</legend>
          {(['step', 'sigmoid'] as Activation[]).map((a) => (
            <label className="radio" key={a}>
              <input
                type="radio"
                name="activation"
                value={a}
                data-testid={`activation-${a}`}
                checked={neuron.activation === a}
                onChange={() => set({ activation: a })}
              />
              {a === 'step' ? 'step (perceptron)' : 'sigmoid neuron'}
            </label>
          ))}
        </fieldset>
        <label>
          scale c
          <input
            type="range"
            min={-8}
            max={17}
            value={scaleStep}
            data-testid="scale"
            disabled={!sigmoid}
            aria-valuetext={`c = ${scaleAt(scaleStep).toFixed(2)}`}
            onChange={(e) => {
              const k = Number(e.target.value);
              setScaleStep(k);
              set({ scale: scaleAt(k) });
            }}
          />
        </label>
        <div className="small muted" style={{ textAlign: 'right' }}>
          {sigmoid
            ? `σ(c (w · x + b)) with c = ${scaleAt(scaleStep).toFixed(2)}`
            : 'output 1 if w · x + b > 0, else 0'}
        </div>
        <div className="buttons">
          <button
            type="button"
            data-testid="reset-nand"
            onClick={() => {
              setNeuron({ ...NAND, activation: neuron.activation, scale: scaleAt(scaleStep) });
            }}
          >
            Back to NAND (-2, -2, 3)
          </button>
        </div>
      </section>
      <section aria-label="results">
        <div className="grid3">
          <div>
            <h2 style={{ marginTop: 0 }}>Truth table</h2>
            <table className="values" data-testid="truth-table">
              <thead>
                <tr>
                  <th>x1</th>
                  <th>x2</th>
                  <th>w · x + b</th>
                  <th>output</th>
                </tr>
              </thead>
              <tbody>
                {table.map((r) => (
                  <tr key={`${r.x1}${r.x2}`} data-x={`${r.x1},${r.x2}`} data-output={r.output}>
                    <td>{r.x1}</td>
                    <td>{r.x2}</td>
                    <td>{+r.z.toFixed(3)}</td>
                    <td className={r.output > 0.5 ? 'on' : 'off'}>{format(r.output)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="small muted">
              {table.map((r) => (r.output > 0.5 ? 1 : 0)).join('') === '1110'
                ? 'This is NAND: 0 only when both inputs are 1.'
                : `Outputs rounded: ${table.map((r) => (r.output > 0.5 ? 1 : 0)).join(', ')} (NAND is 1, 1, 1, 0).`}
            </p>
          </div>
          <DecisionMap neuron={neuron} title="Output over the input plane (dashed: w · x + b = 0)" />
          <LineChart
            title="Sigmoid outputs as weights and bias are scaled by c"
            testId="scale-chart"
            series={scaleSeries}
            xLabel="scale c"
            yLabel="σ(c (w · x + b))"
            yDomain={[0, 1]}
            marker={sigmoid ? scaleAt(scaleStep) : null}
            height={270}
          />
        </div>
        <h2>A two-bit adder from NAND perceptrons</h2>
        <p className="small muted explain">
          Five copies of the perceptron above add x1 and x2: the sum bit is x1 XOR x2 and the carry bit is x1
          AND x2. Change its weights and every gate changes with it; switch to the sigmoid and watch the bits
          blur until c is large.
        </p>
        <div className="toggles">
          Inputs:
          {(['x1', 'x2'] as const).map((name, i) => (
            <button
              type="button"
              key={name}
              aria-pressed={inputs[i] === 1}
              data-testid={`toggle-${name}`}
              onClick={() => setInputs((xs) => (i === 0 ? [1 - xs[0], xs[1]] : [xs[0], 1 - xs[1]]))}
            >
              {name} = {inputs[i]}
            </button>
          ))}
        </div>
        <div className="draw">
          <AdderDiagram state={state} format={format} />
          <table className="values" data-testid="adder-table">
            <thead>
              <tr>
                <th>x1</th>
                <th>x2</th>
                <th>carry</th>
                <th>sum</th>
                <th>x1 + x2</th>
              </tr>
            </thead>
            <tbody>
              {INPUT_PAIRS.map(([a, b], i) => (
                <tr
                  key={`${a}${b}`}
                  data-x={`${a},${b}`}
                  data-sum={gates.sum[i]}
                  data-carry={gates.carry[i]}
                  style={i === row ? { background: '#f3f8fc' } : undefined}
                >
                  <td>{a}</td>
                  <td>{b}</td>
                  <td className={gates.carry[i]! > 0.5 ? 'on' : 'off'}>{format(gates.carry[i]!)}</td>
                  <td className={gates.sum[i]! > 0.5 ? 'on' : 'off'}>{format(gates.sum[i]!)}</td>
                  <td>{(a + b).toString(2).padStart(2, '0')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
