'use client';
/** The run list, kept live by the /api/runs/stream server-sent events; runs can be ticked for comparison. */
import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { RunListEntry } from './derive';
import { formatPercent, formatSeconds, formatTime } from './format';

export function RunList({ initial }: { initial: RunListEntry[] }) {
  const [runs, setRuns] = useState(initial);
  const [live, setLive] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);

  useEffect(() => {
    const source = new EventSource('/api/runs/stream');
    source.addEventListener('runs', (e) => {
      setRuns(JSON.parse((e as MessageEvent<string>).data) as RunListEntry[]);
      setLive(true);
    });
    source.onerror = () => setLive(false);
    return () => source.close();
  }, []);

  const toggle = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));

  return (
    <>
      <div className="toolbar">
        <Link
          href={`/compare?runs=${selected.map(encodeURIComponent).join(',')}`}
          aria-disabled={selected.length < 2}
          className={selected.length < 2 ? 'muted' : ''}
          onClick={(e) => {
            if (selected.length < 2) e.preventDefault();
          }}
        >
          Compare {selected.length} selected runs
        </Link>
        <span className="muted small" data-testid="live-state">
          {live ? '● live' : '○ connecting…'}
        </span>
      </div>
      {runs.length === 0 ? (
        <p className="notice">
          No runs yet. Train one with <code>pnpm nndl train quickstart</code>; it will appear here.
        </p>
      ) : (
        <table className="runs" data-testid="run-list">
          <thead>
            <tr>
              <th aria-label="select for comparison" />
              <th>Run</th>
              <th>Status</th>
              <th className="num">Epochs</th>
              <th className="num">Best accuracy</th>
              <th className="num">The book</th>
              <th className="num">Duration</th>
              <th>Started (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.runId} data-run={r.runId}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`compare ${r.runId}`}
                    checked={selected.includes(r.runId)}
                    onChange={() => toggle(r.runId)}
                  />
                </td>
                <td>
                  <Link href={`/runs/${encodeURIComponent(r.runId)}`}>{r.name}</Link>
                  <span className="run-id">{r.runId}</span>
                  {r.malformed > 0 && (
                    <span className="small" style={{ color: '#9a6700' }}>
                      {r.malformed} malformed event line{r.malformed > 1 ? 's' : ''} skipped
                    </span>
                  )}
                </td>
                <td>
                  <span className={`badge ${r.status}`}>{r.status}</span>
                </td>
                <td className="num">
                  {r.epochs}
                  {r.totalEpochs ? ` / ${r.totalEpochs}` : ''}
                </td>
                <td className="num">
                  {formatPercent(r.bestAccuracy)}
                  {r.evaluation && <span className="run-id">{r.evaluation}</span>}
                </td>
                <td className="num" title={r.reference?.note ?? r.reference?.source ?? ''}>
                  {r.reference?.accuracy !== undefined ? formatPercent(r.reference.accuracy) : '–'}
                  {r.reference?.source && <span className="run-id">{r.reference.source}</span>}
                </td>
                <td className="num">{formatSeconds(r.seconds)}</td>
                <td>{formatTime(r.started)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
