import { errorResponse } from '../../../../../src/server/http';
import { readCheckpoint } from '../../../../../src/server/runs';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET /api/runs/<id>/checkpoint[?name=epoch-3.safetensors]: a checkpoint's bytes (the newest by default). */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const { id } = await context.params;
    const { name, bytes } = readCheckpoint(id, new URL(request.url).searchParams.get('name'));
    return new Response(new Uint8Array(bytes), {
      headers: {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${name}"`,
        'x-checkpoint-name': name,
        'cache-control': 'no-store',
      },
    });
  } catch (e) {
    return errorResponse(e);
  }
}
