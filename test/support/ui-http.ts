import { request } from 'node:http';
import type { UiServer } from '../../ui/server';

export interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/**
 * A raw HTTP request to the UI server, with whatever Host and Origin a browser
 * on some other page would send (fetch cannot set Host).
 */
export function call(ui: UiServer, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Reply> {
  const { port } = new URL(ui.url);
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  // An explicit length: Node sends a DELETE's body unframed otherwise.
  if (payload) headers = { 'content-length': String(payload.length), ...headers };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: Number(port), method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }));
      },
    );
    req.on('error', (e) => reject(new Error(`${method} ${JSON.stringify(headers)}: ${e.message}`)));
    req.end(payload);
  });
}
