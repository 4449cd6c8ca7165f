import { RunList } from '../src/runs/RunList';
import { listRuns, runsRoot } from '../src/server/runs';

export const dynamic = 'force-dynamic';

export default function RunsPage() {
  const runs = listRuns();
  return (
    <>
      <h1>Runs</h1>
      <p className="muted small">
        From the run store at <code>{runsRoot()}</code> (set <code>NNDL_RUNS_DIR</code> to change it). Runs
        that the CLI is training appear and update live.
      </p>
      <RunList initial={runs} />
    </>
  );
}
