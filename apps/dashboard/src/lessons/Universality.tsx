'use client';
/**
 * Chapter 4's universality, live: bumps built by hand from pairs of steep sigmoid neurons (dragged, or set by their
 * number), or the same network trained by SGD, evaluated by @nndl/tensor against f with the mean absolute error.
 * SGD runs in slices of about 8 ms per animation frame, so the curve is redrawn as it learns.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import { BumpChart } from './BumpChart';
import { runInFrames } from './frames';
import {
  type Bumps,
  bumpNetwork,
  evaluate,
  evenBumps,
  Fitter,
  type NetworkParameters,
  randomNetwork,
  sampleTargets,
  sampleXs,
  stepPositions,
} from './universality';

const STEEPNESS = [10, 50, 200, 1000] as const;
/** SGD steps of one fit (the Stop button ends it sooner). */
const FIT_STEPS = 20_000;

interface FitState {
  parameters: NetworkParameters;
  steps: number;
  startError: number;
  history: [number, number][];
  running: boolean;
}

export function Universality() {
  const [count, setCount] = useState(5);
  const [bumps, setBumps] = useState<Bumps>(() => evenBumps(5));
  const [steepness, setSteepness] = useState<number>(1000);
  const [fitFrom, setFitFrom] = useState<'random' | 'bumps'>('random');
  const [fit, setFit] = useState<FitState | null>(null);
  const stopFit = useRef<(() => void) | null>(null);

  useEffect(() => () => stopFit.current?.(), []);

  const built = useMemo(() => bumpNetwork(bumps, steepness), [bumps, steepness]);
  const shown = fit ? fit.parameters : built;
  const evaluation = useMemo(() => evaluate(shown), [shown]);
  const steps = useMemo(() => stepPositions(shown), [shown]);

  const backToBumps = () => {
    stopFit.current?.();
    stopFit.current = null;
    setFit(null);
  };
  const setBumpCount = (n: number) => {
    backToBumps();
    setCount(n);
    setBumps(evenBumps(n));
  };
  const startFit = () => {
    stopFit.current?.();
    const start = fitFrom === 'random' ? randomNetwork(2 * count, 1) : built;
    const fitter = new Fitter(start);
    const startError = evaluate(start).meanAbsoluteError;
    let history: [number, number][] = [[0, startError]];
    setFit({ parameters: start, steps: 0, startError, history, running: true });
    stopFit.current = runInFrames(
      () => {
        fitter.step();
        return fitter.steps < FIT_STEPS;
      },
      (done) => {
        const parameters = fitter.parameters();
        history = [...history, [fitter.steps, evaluate(parameters).meanAbsoluteError]];
        setFit({ parameters, steps: fitter.steps, startError, history, running: !done });
      },
    );
  };
  const pauseFit = () => {
    stopFit.current?.();
    stopFit.current = null;
    setFit((f) => (f ? { ...f, running: false } : f));
  };

  const errorSeries: LineSeries[] = useMemo(
    () => (fit ? [{ id: 'mae', label: 'mean absolute error', color: colorAt(0), points: fit.history }] : []),
    [fit],
  );

  return (
    <div className="lesson">
      <section className="controls" aria-label="network settings">
        <h3 style={{ marginTop: 0 }}>Build it by hand</h3>
        <label>
          Bumps
          <input
            type="range"
            min={1}
            max={50}
            value={count}
            data-testid="bump-count"
            aria-valuetext={`${count} bumps`}
            onChange={(e) => setBumpCount(Number(e.target.value))}
          />
        </label>
        <div className="small muted" style={{ textAlign: 'right' }}>
          {count} bumps = {2 * count} hidden neurons
        </div>
        <label>
          Weight w
          <select
            value={steepness}
            data-testid="steepness"
            onChange={(e) => {
              backToBumps();
              setSteepness(Number(e.target.value));
            }}
          >
            {STEEPNESS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <div className="buttons">
          <button type="button" data-testid="reset-bumps" onClick={() => setBumpCount(count)}>
            Heights from f
          </button>
        </div>
        <h3>Or let SGD fit it</h3>
        <label>
          Start from
          <select
            value={fitFrom}
            data-testid="fit-from"
            onChange={(e) => setFitFrom(e.target.value as 'random' | 'bumps')}
          >
            <option value="random">random weights</option>
            <option value="bumps">these bumps</option>
          </select>
        </label>
        <div className="buttons">
          <button
            type="button"
            className="primary"
            data-testid="fit"
            onClick={startFit}
            disabled={fit?.running}
          >
            Fit by SGD
          </button>
          <button type="button" data-testid="fit-stop" onClick={pauseFit} disabled={!fit?.running}>
            Stop
          </button>
          <button type="button" data-testid="fit-back" onClick={backToBumps} disabled={!fit}>
            Back to the bumps
          </button>
        </div>
        <p className="small muted">
          Full-batch SGD with momentum 0.9 on the squared error at the 401 points, {2 * count} hidden neurons
          (2 per bump), learning rate 4 / {2 * count}.
        </p>
        <div
          className="result"
          data-testid="uni-status"
          data-mae={evaluation.meanAbsoluteError}
          data-mode={fit ? 'fit' : 'bumps'}
          data-steps={fit?.steps ?? 0}
          data-start-mae={fit?.startError ?? ''}
          data-running={String(Boolean(fit?.running))}
        >
          mean |network − f| = <strong>{evaluation.meanAbsoluteError.toFixed(4)}</strong>
          <div className="small muted">
            {fit
              ? `SGD step ${fit.steps.toLocaleString('en')}${fit.running ? '…' : ''} (from ${fit.startError.toFixed(4)})`
              : `${count} hand-built bumps, w = ${steepness}`}
          </div>
        </div>
      </section>
      <section aria-label="charts">
        <figure className="chart">
          <figcaption>
            f(x) = 0.2 + 0.4x² + 0.3x sin(15x) + 0.05 cos(50x) (dashed) and the network (blue)
          </figcaption>
          <p className="small muted" style={{ margin: '0 0 4px' }}>
            {fit
              ? 'Orange ticks: where each hidden neuron steps (s = -b / w) in the fitted network.'
              : 'Drag an orange bar to set a bump’s height, a grey triangle to move a step; or Tab to a handle and use the arrow keys (Shift for bigger moves).'}
          </p>
          <BumpChart
            xs={sampleXs}
            target={sampleTargets}
            network={evaluation.ys}
            bumps={fit ? null : bumps}
            steps={steps}
            onEdge={(j, s) => setBumps((b) => ({ ...b, edges: b.edges.map((e, k) => (k === j ? s : e)) }))}
            onHeight={(i, h) =>
              setBumps((b) => ({ ...b, heights: b.heights.map((v, k) => (k === i ? h : v)) }))
            }
          />
        </figure>
        <div className="grid2">
          <LineChart
            title="Error while SGD fits"
            testId="fit-error-chart"
            series={errorSeries}
            xLabel="SGD step"
            yLabel="mean |network − f|"
            yScale="log"
            height={220}
            emptyText="Press “Fit by SGD”"
          />
          <div className="small explain">
            <p>
              With w = 1000 each hidden neuron is a sharp step and the hand-built network is exactly a
              staircase: more bumps, smaller error. Lower w and the steps soften into sigmoids, which blurs
              the bumps into a smoother curve.
            </p>
            <p>
              SGD is not bound to the bumps: it moves the steps (orange ticks) to where the function bends,
              mixes steps of both signs and uses softer slopes than the hand-built network. From random
              weights it needs thousands of steps for what a hand can place at once; from the bumps it mainly
              adjusts their heights, since the gradient of a sharp step is zero almost everywhere.
            </p>
          </div>
        </div>
      </section>
    </div>
  );
}
