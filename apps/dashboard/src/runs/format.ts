/** Formatting shared by the pages. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const formatPercent = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : `${v.toFixed(2)}%`;

export function formatTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '–' : d.toISOString().slice(0, 16).replace('T', ' ');
}
