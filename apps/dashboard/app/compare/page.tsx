import { Compare, type CompareRun } from '../../src/runs/Compare';
import { addEvents, downsample, emptySeries } from '../../src/runs/derive';
import { listRuns, readRun, validRunId } from '../../src/server/runs';

export const dynamic = 'force-dynamic';

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<{ runs?: string | string[] }>;
}) {
  const raw = (await searchParams).runs;
  const ids = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(',').filter(Boolean);
  const runs: CompareRun[] = [];
  const refused: string[] = [];
  for (const id of ids.slice(0, 8)) {
    if (!validRunId(id)) {
      refused.push(id);
      continue;
    }
    try {
      const run = readRun(id);
      const series = addEvents(emptySeries(run.spec), run.events);
      series.loss = downsample(series.loss, 1000);
      series.lr = [];
      // The histograms are not drawn here: drop them from what is sent to the page.
      series.probes = series.probes.map((p) => ({
        ...p,
        layers: p.layers.map(({ weightHistogram: _w, gradHistogram: _g, ...rest }) => rest),
      }));
      runs.push({ runId: id, entry: run.entry, series });
    } catch {
      refused.push(id);
    }
  }
  return (
    <>
      <h1>Compare runs</h1>
      {refused.length > 0 && (
        <div className="notice" role="alert">
          Not found or not a valid run id: {refused.map((r) => JSON.stringify(r)).join(', ')}
        </div>
      )}
      <form method="get" className="toolbar" aria-label="choose runs">
        <fieldset style={{ border: '1px solid #d0d7de', borderRadius: 6 }}>
          <legend className="small">Runs to compare</legend>
          {listRuns().map((r) => (
            <label key={r.runId} className="small" style={{ display: 'block' }}>
              <input type="checkbox" name="pick" value={r.runId} defaultChecked={ids.includes(r.runId)} />{' '}
              {r.name} <span className="muted">{r.runId}</span>
            </label>
          ))}
        </fieldset>
      </form>
      <Compare runs={runs} />
    </>
  );
}
