import { errorResponse, json } from '../../../src/server/http';
import { listRuns, runsRoot } from '../../../src/server/runs';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET /api/runs: every run of the store, newest first. */
export function GET(): Response {
  try {
    return json({ root: runsRoot(), runs: listRuns() });
  } catch (e) {
    return errorResponse(e);
  }
}
