import { notFound } from 'next/navigation';
import { addEvents, downsample, emptySeries } from '../../../src/runs/derive';
import { RunView } from '../../../src/runs/RunView';
import { RunStoreError, readRun } from '../../../src/server/runs';

export const dynamic = 'force-dynamic';

/** Long loss curves are averaged down to this many points before they are sent to the page. */
const MAX_POINTS = 3000;

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let run: ReturnType<typeof readRun>;
  try {
    run = readRun(decodeURIComponent(id));
  } catch (e) {
    if (e instanceof RunStoreError) notFound();
    throw e;
  }
  const series = addEvents(emptySeries(run.spec), run.events);
  const running = run.entry.status === 'running';
  // A finished run's curves are averaged down; a live one keeps raw points so that appended events line up.
  if (!running) {
    series.loss = downsample(series.loss, MAX_POINTS);
    series.lr = downsample(series.lr, MAX_POINTS);
  }
  return (
    <RunView
      runId={run.runId}
      spec={run.spec}
      entry={run.entry}
      initialSeries={series}
      malformed={run.malformed}
      offset={run.offset}
      lines={run.events.length + run.malformed.length}
    />
  );
}
