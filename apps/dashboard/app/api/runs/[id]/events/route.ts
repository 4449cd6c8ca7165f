import { parseEventLines } from '../../../../../src/runs/derive';
import { errorResponse, eventStream } from '../../../../../src/server/http';
import { readEventsFrom, runDir } from '../../../../../src/server/runs';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * GET /api/runs/<id>/events?offset=N&line=L: tails events.jsonl from byte N (line L) as server-sent events:
 * `events` (a JSON array of new events, id = the byte offset after them), `malformed` (skipped lines) and `end`
 * once the run has ended. Polled every 500 ms.
 */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  let id: string;
  try {
    id = (await context.params).id;
    runDir(id);
  } catch (e) {
    return errorResponse(e);
  }
  const url = new URL(request.url);
  const resumeFrom = Number(request.headers.get('last-event-id') ?? url.searchParams.get('offset') ?? 0);
  let offset = Number.isSafeInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : 0;
  const firstLine = Number(url.searchParams.get('line') ?? 1);
  let line = Number.isSafeInteger(firstLine) && firstLine >= 1 ? firstLine : 1;
  return eventStream(request, 500, (send) => {
    const read = readEventsFrom(id, offset);
    if (!read) return true;
    if (read.size < offset) offset = 0;
    const { events, malformed, consumed, lines } = parseEventLines(read.text, offset, line);
    if (consumed === 0) return true;
    offset += Buffer.byteLength(read.text.slice(0, consumed));
    line += lines;
    if (malformed.length) send('malformed', JSON.stringify(malformed));
    if (events.length) send('events', JSON.stringify(events), String(offset));
    if (events.some((e) => e.type === 'runEnd')) {
      send('end', JSON.stringify({ offset }));
      return false;
    }
    return true;
  });
}
