'use client';
/**
 * The lessons compute in the browser only (nndl on the CPU backend, or in a Web Worker): rendering them on the
 * server would compute there instead, so they are loaded on the client.
 */
import dynamic from 'next/dynamic';

const placeholder = (height: number) => () => (
  <div className="chart-box" style={{ height }}>
    <div className="chart-empty">Loading…</div>
  </div>
);

export const LazyPerceptrons = dynamic(() => import('./Perceptrons').then((m) => m.Perceptrons), {
  ssr: false,
  loading: placeholder(700),
});
export const LazyLearningSlowdown = dynamic(
  () => import('./LearningSlowdown').then((m) => m.LearningSlowdown),
  { ssr: false, loading: placeholder(700) },
);
export const LazyUniversality = dynamic(() => import('./Universality').then((m) => m.Universality), {
  ssr: false,
  loading: placeholder(700),
});
export const LazyVanishingGradients = dynamic(
  () => import('./VanishingGradients').then((m) => m.VanishingGradients),
  { ssr: false, loading: placeholder(700) },
);
export const LazyLinearRegression = dynamic(
  () => import('./LinearRegression').then((m) => m.LinearRegression),
  { ssr: false, loading: placeholder(700) },
);
