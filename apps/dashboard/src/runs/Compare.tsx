'use client';
/** Two or more runs on one chart: accuracy per epoch, mini-batch cost, or each layer's speed of learning. */
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { LineChart, type LineSeries } from '../charts/LineChart';
import { colorAt, dashAt } from '../charts/palette';
import type { Point, RunListEntry, RunSeries } from './derive';

export interface CompareRun {
  runId: string;
  entry: RunListEntry;
  series: RunSeries;
}

export function Compare({ runs }: { runs: CompareRun[] }) {
  const router = useRouter();
  const [metric, setMetric] = useState<'accuracy' | 'loss' | 'speed'>('accuracy');

  // The checkboxes above (a plain GET form) update the URL as they change.
  useEffect(() => {
    const form = document.querySelector('form[aria-label="choose runs"]');
    const onChange = () => {
      const picked = [...document.querySelectorAll<HTMLInputElement>('input[name="pick"]:checked')].map(
        (i) => i.value,
      );
      router.replace(`/compare?runs=${picked.map(encodeURIComponent).join(',')}`);
    };
    form?.addEventListener('change', onChange);
    return () => form?.removeEventListener('change', onChange);
  }, [router]);

  const series: LineSeries[] = useMemo(() => {
    if (metric === 'speed')
      return runs.flatMap((run, r) =>
        run.series.layers.map((layer, i) => ({
          id: `${run.runId}:${layer}`,
          label: `${run.entry.name} · ${layer}`,
          color: colorAt(i),
          dash: dashAt(r),
          points: run.series.probes.flatMap((p) => {
            const l = p.layers.find((x) => x.layer === layer);
            return l ? [[p.step, l.speed] as Point] : [];
          }),
        })),
      );
    return runs.map((run, r) => ({
      id: run.runId,
      label: `${run.entry.name} (${run.runId})`,
      color: colorAt(r),
      points: metric === 'accuracy' ? run.series.evaluationAccuracy : run.series.loss,
      dots: metric === 'accuracy',
      width: metric === 'loss' ? 1.2 : 1.8,
    }));
  }, [runs, metric]);

  if (runs.length === 0) return <p className="muted">Tick two or more runs above (or on the run list).</p>;
  return (
    <>
      <div className="toolbar">
        <label>
          Chart{' '}
          <select
            data-testid="compare-metric"
            value={metric}
            onChange={(e) => setMetric(e.target.value as typeof metric)}
          >
            <option value="accuracy">evaluation accuracy per epoch</option>
            <option value="loss">mini-batch cost per step</option>
            <option value="speed">speed of learning per layer (log)</option>
          </select>
        </label>
        {metric === 'speed' && (
          <span className="muted small">colour: layer; dash: run (in the order listed)</span>
        )}
      </div>
      <LineChart
        title={
          metric === 'accuracy'
            ? 'Evaluation accuracy'
            : metric === 'loss'
              ? 'Mini-batch cost'
              : 'Speed of learning ‖∂C/∂b‖ per layer'
        }
        testId="compare-chart"
        series={series}
        xLabel={metric === 'accuracy' ? 'epoch' : 'step'}
        yLabel={metric === 'accuracy' ? 'accuracy (%)' : metric === 'loss' ? 'cost' : '‖∂C/∂b‖'}
        yScale={metric === 'speed' ? 'log' : 'linear'}
        height={380}
      />
    </>
  );
}
