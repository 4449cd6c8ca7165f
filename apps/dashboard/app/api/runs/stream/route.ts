import { eventStream } from '../../../../src/server/http';
import { listRuns } from '../../../../src/server/runs';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET /api/runs/stream: the run list as server-sent events, sent again whenever it changes (polled every second). */
export function GET(request: Request): Response {
  let last = '';
  return eventStream(request, 1000, (send) => {
    const body = JSON.stringify(listRuns());
    if (body !== last) {
      last = body;
      send('runs', body);
    }
    return true;
  });
}
