/** Small helpers for the API routes: JSON and error responses, and server-sent event streams. */
import { RunStoreError } from './runs';

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** A RunStoreError becomes its 400/404; anything else a 500 that does not leak paths. */
export function errorResponse(e: unknown): Response {
  if (e instanceof RunStoreError) return json({ error: e.message }, e.status);
  return json({ error: 'internal error' }, 500);
}

/**
 * A server-sent event stream. `tick` runs every `intervalMs` and sends what is new; it returns false to end the
 * stream. The stream ends when the client goes away (the request's signal aborts).
 */
export function eventStream(
  request: Request,
  intervalMs: number,
  tick: (send: (event: string, data: string, id?: string) => void) => boolean | Promise<boolean>,
): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        if (timer) clearTimeout(timer);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      request.signal.addEventListener('abort', close);
      const send = (event: string, data: string, id?: string) => {
        if (closed) return;
        controller.enqueue(
          encoder.encode(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`),
        );
      };
      // Browsers reconnect after `retry` ms if the connection drops.
      controller.enqueue(encoder.encode('retry: 2000\n\n'));
      let idle = 0;
      const loop = async () => {
        if (closed) return;
        let more = true;
        try {
          more = await tick(send);
        } catch (e) {
          send('failure', JSON.stringify({ error: e instanceof RunStoreError ? e.message : 'read failed' }));
          more = false;
        }
        if (!more) return close();
        // A comment line every ~15 s keeps proxies from closing an idle stream.
        idle += intervalMs;
        if (idle >= 15000) {
          idle = 0;
          controller.enqueue(encoder.encode(': keep-alive\n\n'));
        }
        timer = setTimeout(loop, intervalMs);
      };
      void loop();
    },
    cancel() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
