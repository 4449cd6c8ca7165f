import { errorResponse, json } from '../../../../src/server/http';
import { readRun } from '../../../../src/server/runs';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET /api/runs/<id>: the run's spec, events (malformed lines skipped and listed) and list entry. */
export async function GET(
  _request: Request,
  context: { params: Promise<{ id: string }> },
): Promise<Response> {
  try {
    const { id } = await context.params;
    return json(readRun(id));
  } catch (e) {
    return errorResponse(e);
  }
}
