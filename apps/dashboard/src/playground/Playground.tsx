'use client';
/**
 * The playground: a Nielsen network trained in a Web Worker on the bundled digits, with the controls of chapter 5
 * (depth, width, activation, initialization, cost, learning rate, batch size) and live charts of the cost, the test
 * accuracy and each layer's speed of learning. The page asks the worker for ~40 ms slices of training, so the main
 * thread stays free to draw; frame times are measured while it trains.
 */
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { BarChart } from '../charts/BarChart';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import { downsample, layerLabel, type Point } from '../runs/derive';
import { startTrainingWorker, type TrainingWorker } from './client';
import { DigitPad, Probabilities } from './DigitPad';
import type { Activation, BackendChoice, Cost, Init, PlaygroundConfig, Probe } from './protocol';

const DEFAULTS: PlaygroundConfig = {
  hiddenLayers: 4,
  width: 30,
  activation: 'sigmoid',
  init: 'default',
  cost: 'cross-entropy',
  lr: 0.1,
  batchSize: 10,
  seed: 1,
};

/** Frame-time statistics over the frames drawn while training. */
export interface FrameStats {
  frames: number;
  median: number;
  p95: number;
  max: number;
  /** Share of frames slower than 50 ms (a visible stutter). */
  long: number;
}

/** The mean of some losses ('' when there are none), for the end-to-end test to read off the page. */
function meanLoss(points: readonly Point[]): string {
  return points.length ? String(points.reduce((a, p) => a + p[1], 0) / points.length) : '';
}

function frameStats(deltas: number[]): FrameStats | null {
  if (deltas.length < 10) return null;
  const sorted = [...deltas].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    frames: deltas.length,
    median: at(0.5),
    p95: at(0.95),
    max: sorted.at(-1)!,
    long: deltas.filter((d) => d > 50).length / deltas.length,
  };
}

export function Playground() {
  const worker = useRef<TrainingWorker | null>(null);
  const [config, setConfig] = useState(DEFAULTS);
  const [backend, setBackend] = useState<BackendChoice>('auto');
  const [status, setStatus] = useState<{ backend: string; notice: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  // Resets in flight: training waits until the new network is built (a step sent meanwhile would train the old one).
  const [resetting, setResetting] = useState(0);
  const [running, setRunning] = useState(false);
  const runningRef = useRef(false);
  const [layers, setLayers] = useState<string[]>([]);
  const [losses, setLosses] = useState<Point[]>([]);
  const [accuracy, setAccuracy] = useState<Point[]>([]);
  const [probes, setProbes] = useState<Probe[]>([]);
  const [step, setStep] = useState(0);
  const [msPerStep, setMsPerStep] = useState(0);
  const [cpuThreads, setCpuThreads] = useState(1);
  const [frames, setFrames] = useState<FrameStats | null>(null);
  const [probabilities, setProbabilities] = useState<number[] | null>(null);
  const lastPixels = useRef<Float32Array | null>(null);
  const deltas = useRef<number[]>([]);

  // ---- the worker's life --------------------------------------------------------------------------------------
  const reset = useCallback(async (next: PlaygroundConfig) => {
    const w = worker.current;
    if (!w) return;
    runningRef.current = false;
    setRunning(false);
    setResetting((n) => n + 1);
    try {
      const info = await w.api.configure(next);
      setLayers(info.layers);
      setLosses([]);
      setAccuracy([]);
      setStep(0);
      const first = await w.api.probe();
      setProbes(first ? [first] : []);
      setAccuracy([[0, await w.api.evaluate()]]);
      if (lastPixels.current) setProbabilities(await w.api.predict(lastPixels.current, 'playground'));
    } finally {
      setResetting((n) => n - 1);
    }
  }, []);

  useEffect(() => {
    let cancelled = false;
    setReady(false);
    const w = startTrainingWorker();
    worker.current = w;
    w.api
      .start(backend, '/data/digits.bin')
      .then(async (info) => {
        if (cancelled) return;
        setStatus(info);
        setCpuThreads(info.cpuThreads);
        await reset(config);
        if (!cancelled) setReady(true);
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      cancelled = true;
      runningRef.current = false;
      w.terminate();
    };
  }, [backend]);

  // ---- training ------------------------------------------------------------------------------------------------
  const apply = (report: Awaited<ReturnType<TrainingWorker['api']['train']>>) => {
    setLosses((l) => [...l, ...report.losses]);
    if (report.probes.length) setProbes((p) => [...p, ...report.probes]);
    if (report.accuracy) setAccuracy((a) => [...a, report.accuracy!]);
    setStep(report.step);
    setMsPerStep(report.msPerStep);
    setCpuThreads(report.cpuThreads);
    if (report.diverged) {
      runningRef.current = false;
      setRunning(false);
      setError('The cost is no longer finite: the training diverged. Lower the learning rate and reset.');
    }
  };

  const loop = async () => {
    const w = worker.current;
    while (w && runningRef.current) {
      const report = await w.api.train(1000, 40);
      if (!runningRef.current && report.losses.length === 0) break;
      apply(report);
      if (lastPixels.current && report.step % 100 < report.losses.length)
        setProbabilities(await w.api.predict(lastPixels.current, 'playground'));
    }
    if (w && lastPixels.current) setProbabilities(await w.api.predict(lastPixels.current, 'playground'));
  };

  const start = () => {
    if (runningRef.current) return;
    setError(null);
    runningRef.current = true;
    setRunning(true);
    deltas.current = [];
    void loop();
  };
  const pause = () => {
    runningRef.current = false;
    setRunning(false);
  };
  const stepOnce = async () => {
    const w = worker.current;
    if (!w || runningRef.current) return;
    apply(await w.api.train(1, 0));
    const p = await w.api.probe();
    if (p) setProbes((ps) => (ps.at(-1)?.step === p.step ? ps : [...ps, p]));
  };

  // ---- frame times while training ------------------------------------------------------------------------------
  useEffect(() => {
    if (!running) return;
    let last = performance.now();
    let handle = requestAnimationFrame(function frame(now) {
      deltas.current.push(now - last);
      if (deltas.current.length > 2000) deltas.current.shift();
      last = now;
      handle = requestAnimationFrame(frame);
    });
    const timer = setInterval(() => setFrames(frameStats(deltas.current)), 1000);
    return () => {
      cancelAnimationFrame(handle);
      clearInterval(timer);
    };
  }, [running]);

  // ---- charts --------------------------------------------------------------------------------------------------
  const lossSeries: LineSeries[] = useMemo(
    () => [
      {
        id: 'loss',
        label: 'mini-batch cost',
        color: colorAt(0),
        points: downsample(losses, 800),
        width: 1.2,
      },
    ],
    [losses],
  );
  const speedSeries: LineSeries[] = useMemo(
    () =>
      layers.map((name, i) => ({
        id: name,
        label: layerLabel(name, i, layers.length),
        color: colorAt(i),
        points: probes.flatMap((p) => {
          const l = p.layers.find((x) => x.layer === name);
          return l ? [[p.step, l.speed] as Point] : [];
        }),
      })),
    [layers, probes],
  );
  const latest = probes.at(-1);
  const set = <K extends keyof PlaygroundConfig>(key: K, value: PlaygroundConfig[K]) => {
    const next = { ...config, [key]: value };
    setConfig(next);
    // Architecture changes need a new network; learning rate and batch size too, to keep the curves honest.
    void reset(next);
  };

  return (
    <div className="playground">
      <section className="controls" aria-label="network settings">
        <label>
          Backend
          <select
            data-testid="backend"
            value={backend}
            onChange={(e) => setBackend(e.target.value as BackendChoice)}
          >
            <option value="auto">Auto (a GPU's WebGL, else CPU)</option>
            <option value="webgl">WebGL (GPU)</option>
            <option value="cpu">CPU</option>
          </select>
        </label>
        <label>
          Hidden layers
          <input
            type="range"
            min={1}
            max={5}
            value={config.hiddenLayers}
            onChange={(e) => set('hiddenLayers', Number(e.target.value))}
            aria-valuetext={`${config.hiddenLayers} hidden layers`}
          />
        </label>
        <div className="small muted" style={{ textAlign: 'right' }}>
          [784, {Array.from({ length: config.hiddenLayers }, () => config.width).join(', ')}, 10]
        </div>
        <label>
          Width
          <select value={config.width} onChange={(e) => set('width', Number(e.target.value))}>
            {[10, 30, 50, 100].map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
        <label>
          Activation
          <select
            data-testid="activation"
            value={config.activation}
            onChange={(e) => set('activation', e.target.value as Activation)}
          >
            <option value="sigmoid">sigmoid</option>
            <option value="tanh">tanh</option>
            <option value="relu">ReLU</option>
          </select>
        </label>
        <label>
          Init
          <select
            data-testid="init"
            value={config.init}
            onChange={(e) => set('init', e.target.value as Init)}
          >
            <option value="large">N(0, 1)</option>
            <option value="default">N(0, 1/n_in)</option>
            <option value="kaiming">Kaiming N(0, 2/n_in)</option>
          </select>
        </label>
        <label>
          Cost
          <select value={config.cost} onChange={(e) => set('cost', e.target.value as Cost)}>
            <option value="quadratic">quadratic</option>
            <option value="cross-entropy">cross-entropy</option>
            <option value="log-likelihood">softmax + log-likelihood</option>
          </select>
        </label>
        <label>
          Learning rate
          <select data-testid="lr" value={config.lr} onChange={(e) => set('lr', Number(e.target.value))}>
            {[0.01, 0.03, 0.1, 0.3, 0.5, 1, 3].map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Batch size
          <select value={config.batchSize} onChange={(e) => set('batchSize', Number(e.target.value))}>
            {[1, 10, 32, 100].map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </label>
        <div className="buttons">
          <button
            type="button"
            className="primary"
            data-testid="start"
            onClick={start}
            disabled={!ready || running || resetting > 0}
          >
            Start
          </button>
          <button type="button" data-testid="pause" onClick={pause} disabled={!running}>
            Pause
          </button>
          <button
            type="button"
            data-testid="step"
            onClick={stepOnce}
            disabled={!ready || running || resetting > 0}
          >
            Step
          </button>
          <button
            type="button"
            data-testid="reset"
            onClick={() => reset(config)}
            disabled={!ready || resetting > 0}
          >
            Reset
          </button>
        </div>
        <div
          className="small"
          style={{ marginTop: 10 }}
          data-testid="pg-status"
          data-step={step}
          data-loss-first={meanLoss(losses.slice(0, 10))}
          data-loss-last={meanLoss(losses.slice(-20))}
          data-backend={status?.backend ?? ''}
          data-cpu-threads={status?.backend === 'cpu' ? cpuThreads : ''}
        >
          {!ready
            ? 'loading the digits…'
            : resetting > 0
              ? 'building the network…'
              : `step ${step.toLocaleString('en')}`}
          {msPerStep > 0 && ` · ${msPerStep.toFixed(2)} ms/step`}
          {status && ` · backend: ${status.backend}`}
          {status?.backend === 'cpu' &&
            ` (large kernels on ${cpuThreads === 2 ? 'two threads' : 'one thread'})`}
        </div>
        <div className="small muted" data-testid="frame-times">
          {frames
            ? `frames while training: median ${frames.median.toFixed(1)} ms, p95 ${frames.p95.toFixed(1)} ms, max ${frames.max.toFixed(0)} ms, ${(100 * frames.long).toFixed(1)}% over 50 ms`
            : 'frame times: measured while training'}
        </div>
      </section>
      <section aria-label="charts">
        {status?.notice && (
          <div className="notice" role="status" data-testid="backend-notice">
            {status.notice}
          </div>
        )}
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
        <p className="muted small" style={{ marginTop: 0 }}>
          Chapter 5's experiment: with 4 sigmoid hidden layers and N(0, 1/n_in) weights, the first hidden
          layer learns about 100 times slower than the last (the vanishing gradient). Switch to ReLU and
          Kaiming init and the lines come together. A guided version with the book's numbers:{' '}
          <Link href="/lessons/vanishing-gradients">the vanishing-gradients lesson</Link>.
        </p>
        <div className="grid2">
          <LineChart
            title="Speed of learning per layer ‖∂C/∂b‖ (500 probe images)"
            testId="pg-gradient-chart"
            series={speedSeries}
            xLabel="step"
            yLabel="‖∂C/∂b‖"
            yScale="log"
            height={280}
          />
          <BarChart
            title={`Speed of learning at step ${latest?.step ?? 0}`}
            xLabel="‖∂C/∂b‖ (log scale)"
            bars={layers.map((name, i) => ({
              label: layerLabel(name, i, layers.length),
              value: latest?.layers.find((l) => l.layer === name)?.speed ?? 0,
              color: colorAt(i),
            }))}
          />
          <LineChart
            title="Mini-batch cost"
            testId="pg-loss-chart"
            series={lossSeries}
            xLabel="step"
            yLabel="cost"
            height={220}
            emptyText="Press Start or Step"
          />
          <LineChart
            title="Accuracy on the 2,000 test digits"
            testId="pg-accuracy-chart"
            series={[{ id: 'acc', label: 'test accuracy', color: colorAt(1), points: accuracy, dots: true }]}
            xLabel="step"
            yLabel="accuracy (%)"
            height={220}
            format={(v) => v.toFixed(2)}
          />
        </div>
        <h2>Draw a digit</h2>
        <div className="draw">
          <DigitPad
            testId="pg-pad"
            onDigit={async (pixels) => {
              lastPixels.current = pixels;
              if (!pixels || !worker.current || !ready) return setProbabilities(null);
              setProbabilities(await worker.current.api.predict(pixels, 'playground'));
            }}
          />
          <Probabilities probabilities={probabilities} />
        </div>
      </section>
    </div>
  );
}
