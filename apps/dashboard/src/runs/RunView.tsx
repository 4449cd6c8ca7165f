'use client';
/**
 * One run: its stats, loss and accuracy curves, Nielsen's per-layer speed of learning beside the book's own curves,
 * speed bars at a scrubbed step, weight and gradient histograms over time, the learning rate and the spec. A running
 * run follows its events.jsonl through server-sent events.
 */
import type { ExperimentSpec, GradientStatsEvent, TrainerEvent } from '@nndl/engine';
import { useEffect, useMemo, useState } from 'react';
import { BarChart } from '../charts/BarChart';
import { Heatmap } from '../charts/Heatmap';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt } from '../charts/palette';
import { LazyCheckpointPredictor } from '../playground/lazy';
import {
  addEvents,
  layerLabel,
  type MalformedLine,
  type Point,
  type RunListEntry,
  type RunSeries,
  referenceFileFor,
} from './derive';
import { formatPercent, formatSeconds } from './format';

type GradientMetric = 'speed' | 'weightGradNorm' | 'weightNorm';
const METRIC_LABEL: Record<GradientMetric, string> = {
  speed: 'speed of learning ‖∂C/∂b‖',
  weightGradNorm: '‖∂C/∂w‖',
  weightNorm: '‖w‖',
};

export function RunView(props: {
  runId: string;
  spec: ExperimentSpec | null;
  entry: RunListEntry;
  initialSeries: RunSeries;
  malformed: MalformedLine[];
  offset: number;
  lines: number;
}) {
  const { runId, spec } = props;
  const [series, setSeries] = useState(props.initialSeries);
  const [entry, setEntry] = useState(props.entry);
  const [malformed, setMalformed] = useState(props.malformed);
  const [probeIndex, setProbeIndex] = useState<number | null>(null);
  const [metric, setMetric] = useState<GradientMetric>('speed');
  const [book, setBook] = useState<number[][] | null | 'missing'>(null);
  const referenceFile = referenceFileFor(spec);

  // ---- live tail -----------------------------------------------------------------------------------------------
  useEffect(() => {
    if (props.entry.status !== 'running') return;
    const source = new EventSource(
      `/api/runs/${encodeURIComponent(runId)}/events?offset=${props.offset}&line=${props.lines + 1}`,
    );
    source.addEventListener('events', (e) => {
      const events = JSON.parse((e as MessageEvent<string>).data) as TrainerEvent[];
      setSeries((s) => addEvents({ ...s, loss: [...s.loss], lr: [...s.lr], probes: [...s.probes] }, events));
      setEntry((en) => {
        const next = { ...en };
        for (const ev of events) {
          if (ev.type === 'epochEnd') {
            next.epochs = ev.epoch;
            if (ev.evaluationAccuracy !== undefined)
              next.bestAccuracy = Math.max(next.bestAccuracy ?? 0, ev.evaluationAccuracy);
          }
          if (ev.type === 'batchEnd') next.steps = ev.step;
          if (ev.type === 'runEnd') {
            next.status = ev.status;
            next.seconds = ev.seconds;
          }
          if (ev.type === 'error') next.error = ev.message;
        }
        return next;
      });
    });
    source.addEventListener('malformed', (e) => {
      const lines = JSON.parse((e as MessageEvent<string>).data) as MalformedLine[];
      setMalformed((m) => [...m, ...lines]);
    });
    source.addEventListener('end', () => source.close());
    return () => source.close();
  }, [runId, props.entry.status, props.offset, props.lines]);

  // ---- the book's curves ---------------------------------------------------------------------------------------
  useEffect(() => {
    if (!referenceFile) return;
    fetch(`/reference/nielsen/${referenceFile}`)
      .then((r) => (r.ok ? r.json() : 'missing'))
      .then((data) => setBook(data as number[][] | 'missing'))
      .catch(() => setBook('missing'));
  }, [referenceFile]);

  const layers = series.layers;
  const probes = series.probes;
  const selected: GradientStatsEvent | undefined = probes[probeIndex ?? probes.length - 1];
  const marker = selected?.step ?? null;

  const gradientSeries: LineSeries[] = useMemo(
    () =>
      layers.map((name, i) => ({
        id: name,
        label: layerLabel(name, i, layers.length),
        color: colorAt(i),
        points: probes.flatMap((p) => {
          const l = p.layers.find((x) => x.layer === name);
          return l ? [[p.step, l[metric]] as Point] : [];
        }),
      })),
    [layers, probes, metric],
  );

  const bookSeries: LineSeries[] = useMemo(() => {
    if (!Array.isArray(book)) return [];
    const hidden = book[0]?.length ?? 0;
    return Array.from({ length: hidden }, (_, i) => ({
      id: `book-${i}`,
      label: `hidden ${i + 1} (book)`,
      color: colorAt(i),
      dash: '6 3',
      points: book.map((row, epoch) => [epoch, row[i]!] as Point),
    }));
  }, [book]);

  // One y range for both panels, so that the magnitudes can be compared by eye.
  const sharedDomain = useMemo((): [number, number] | undefined => {
    if (metric !== 'speed') return undefined;
    const ys = [...gradientSeries, ...bookSeries]
      .flatMap((s) => s.points.map((p) => p[1]))
      .filter((v) => v > 0);
    if (ys.length === 0) return undefined;
    return [Math.min(...ys) / 1.5, Math.max(...ys) * 1.5];
  }, [gradientSeries, bookSeries, metric]);

  const evaluationName = series.evaluationName;
  const costSeries: LineSeries[] = [
    {
      id: 'training-cost',
      label: 'training cost',
      color: colorAt(0),
      points: series.trainingCost,
      dots: true,
    },
    {
      id: 'evaluation-cost',
      label: `${evaluationName} cost`,
      color: colorAt(1),
      points: series.evaluationCost,
      dots: true,
    },
  ].filter((s) => s.points.length > 0);
  const accuracySeries: LineSeries[] = [
    {
      id: 'training-accuracy',
      label: 'training accuracy',
      color: colorAt(0),
      points: series.trainingAccuracy,
      dots: true,
    },
    {
      id: 'evaluation-accuracy',
      label: `${evaluationName} accuracy`,
      color: colorAt(1),
      points: series.evaluationAccuracy,
      dots: true,
    },
  ].filter((s) => s.points.length > 0);
  const reference = entry.reference?.accuracy;

  return (
    <>
      <h1>
        {entry.name}{' '}
        <span className={`badge ${entry.status}`} data-testid="run-status">
          {entry.status}
        </span>
      </h1>
      <p className="muted small">
        {runId}
        {entry.description ? ` — ${entry.description}` : ''}
      </p>
      {malformed.length > 0 && (
        <div className="notice" role="alert" data-testid="malformed-notice">
          {malformed.length} malformed line{malformed.length > 1 ? 's' : ''} in events.jsonl{' '}
          {malformed.length > 1 ? 'were' : 'was'} skipped; the charts show the other events.
          <ul>
            {malformed.slice(0, 5).map((m) => (
              <li key={m.line}>
                line {m.line}: <code>{m.text.slice(0, 60)}</code> ({m.reason})
              </li>
            ))}
          </ul>
        </div>
      )}
      {entry.error && (
        <div className="notice error" role="alert">
          The run failed: {entry.error}
        </div>
      )}
      <div className="stats">
        <Stat label="epochs" value={`${entry.epochs}${entry.totalEpochs ? ` / ${entry.totalEpochs}` : ''}`} />
        <Stat label="steps" value={entry.steps.toLocaleString('en')} />
        <Stat label={`best ${evaluationName} accuracy`} value={formatPercent(entry.bestAccuracy)} />
        <Stat
          label={`the book${entry.reference?.source ? ` (${entry.reference.source})` : ''}`}
          value={reference !== undefined ? formatPercent(reference) : '–'}
        />
        <Stat label="duration" value={formatSeconds(entry.seconds)} />
        <Stat label="data" value={entry.evaluation ?? '–'} />
      </div>

      <h2>Cost and accuracy</h2>
      <div className="grid3">
        <LineChart
          title="Mini-batch cost"
          testId="loss-chart"
          series={[
            {
              id: 'loss',
              label: 'training mini-batch cost',
              color: colorAt(0),
              points: series.loss,
              width: 1.2,
            },
          ]}
          xLabel="step"
          yLabel="cost"
          emptyText="No batches yet"
        />
        <LineChart
          title="Cost per epoch"
          series={costSeries}
          xLabel="epoch"
          yLabel="cost"
          emptyText="Costs are not monitored in this run"
        />
        <LineChart
          title="Accuracy per epoch"
          testId="accuracy-chart"
          series={accuracySeries}
          xLabel="epoch"
          yLabel="accuracy (%)"
          format={(v) => v.toFixed(2)}
          rules={reference !== undefined ? [{ y: reference, label: `the book: ${reference}%` }] : []}
          emptyText="No epoch has ended yet"
        />
      </div>

      <h2>Speed of learning per layer (Nielsen, chapter 5)</h2>
      <div className="toolbar">
        <label>
          Quantity{' '}
          <select value={metric} onChange={(e) => setMetric(e.target.value as GradientMetric)}>
            <option value="speed">speed of learning ‖∂C/∂b‖ (the book's)</option>
            <option value="weightGradNorm">weight-gradient norm ‖∂C/∂w‖</option>
            <option value="weightNorm">weight norm ‖w‖</option>
          </select>
        </label>
        <span className="muted small">
          Measured on the probe set every {spec?.probes?.every || '–'} steps; log scale.
        </span>
      </div>
      <div className="grid2">
        <LineChart
          title={`This run: ${METRIC_LABEL[metric]} per layer`}
          testId="gradient-chart"
          series={gradientSeries}
          xLabel="step"
          yLabel={METRIC_LABEL[metric]}
          yScale="log"
          yDomain={sharedDomain}
          marker={marker}
          height={300}
          emptyText="No gradient probes: train with probes on (e.g. the ch5-deep-* presets)"
        />
        {referenceFile ? (
          <LineChart
            title={`The book: ${referenceFile}`}
            testId="book-chart"
            series={bookSeries}
            xLabel="epoch (full-batch SGD on 1,000 images)"
            yLabel="speed of learning ‖∂C/∂b‖"
            yScale="log"
            yDomain={sharedDomain}
            height={300}
            emptyText={book === 'missing' ? "The book's curves were not found at build time" : 'Loading…'}
          />
        ) : (
          <figure className="chart">
            <figcaption>The book</figcaption>
            <div className="chart-box" style={{ height: 300 }}>
              <div className="chart-empty">
                The book's per-layer curves exist for ch5-deep-2, ch5-deep-3 and ch5-deep-4.
              </div>
            </div>
          </figure>
        )}
      </div>
      <div className="scrubber">
        <label htmlFor="probe-scrubber">Step</label>
        <input
          id="probe-scrubber"
          data-testid="scrubber"
          type="range"
          min={0}
          max={Math.max(0, probes.length - 1)}
          value={probeIndex ?? Math.max(0, probes.length - 1)}
          disabled={probes.length < 2}
          onChange={(e) => setProbeIndex(Number(e.target.value))}
        />
        <span className="small" style={{ minWidth: 160 }}>
          {selected ? `step ${selected.step} (epoch ${selected.epoch})` : 'no probes'}
        </span>
      </div>
      <BarChart
        title={`${METRIC_LABEL[metric]} at step ${selected?.step ?? '–'}`}
        testId="speed-bars"
        xLabel={`${METRIC_LABEL[metric]} (log scale)`}
        bars={layers.map((name, i) => ({
          label: layerLabel(name, i, layers.length),
          value: selected?.layers.find((l) => l.layer === name)?.[metric] ?? 0,
          color: colorAt(i),
        }))}
      />

      <h2>Weights and gradients over time</h2>
      <p className="muted small">
        Each column is one probe's histogram (colour: share of the layer's values in that bin, darker is
        more).
      </p>
      {layers.length === 0 && <p className="muted">No gradient probes in this run.</p>}
      {layers.map((name, i) => (
        <div className="grid2" key={name}>
          <Heatmap
            title={`${layerLabel(name, i, layers.length)}: weights`}
            marker={marker}
            columns={probes.flatMap((p) => {
              const h = p.layers.find((l) => l.layer === name)?.weightHistogram;
              return h ? [{ step: p.step, histogram: h }] : [];
            })}
          />
          <Heatmap
            title={`${layerLabel(name, i, layers.length)}: weight gradients`}
            marker={marker}
            columns={probes.flatMap((p) => {
              const h = p.layers.find((l) => l.layer === name)?.gradHistogram;
              return h ? [{ step: p.step, histogram: h }] : [];
            })}
          />
        </div>
      ))}

      <h2>Learning rate</h2>
      <LineChart
        title="Learning rate η"
        series={[{ id: 'lr', label: 'η', color: colorAt(2), points: series.lr }]}
        xLabel="step"
        yLabel="η"
        height={180}
      />

      <h2>Try the trained network</h2>
      <LazyCheckpointPredictor runId={runId} spec={spec} />

      <h2>Spec</h2>
      <details className="spec" open>
        <summary>spec.json</summary>
        <pre data-testid="spec">{JSON.stringify(spec, null, 2)}</pre>
      </details>
    </>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <div className="label">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}
