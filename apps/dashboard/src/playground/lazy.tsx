'use client';
/**
 * The worker-backed components are rendered in the browser only: they start Web Workers, and keeping them out of
 * the server bundle keeps @nndl/data's Node platform adapter (worker_threads) out of it too.
 */
import dynamic from 'next/dynamic';

const placeholder = (height: number) => () => (
  <div className="chart-box" style={{ height }}>
    <div className="chart-empty">Loading…</div>
  </div>
);

export const LazyPlayground = dynamic(() => import('./Playground').then((m) => m.Playground), {
  ssr: false,
  loading: placeholder(900),
});

export const LazyCheckpointPredictor = dynamic(
  () => import('./CheckpointPredictor').then((m) => m.CheckpointPredictor),
  { ssr: false, loading: placeholder(60) },
);
