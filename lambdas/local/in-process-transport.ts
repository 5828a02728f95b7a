import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { PassThrough, Readable } from 'node:stream';

/**
 * An SDK request handler that hands each request to an emulator's HTTP request
 * listener in memory: the same bytes, the same API, no socket. Simulations
 * make thousands of requests, and on small sandboxed machines each socket
 * write costs about a millisecond. (`rsched dev` and the emulator tests use
 * real sockets.)
 */

interface SdkHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[] | null>;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

function queryString(query: SdkHttpRequest['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const value of Array.isArray(v) ? v : [v])
      parts.push(value === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // Not Buffer.from(body): it would call valueOf(), which some SDK body types turn into a string.
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new Error(`in-process transport cannot send a body of type ${typeof body}`);
}

/** The part of ServerResponse that the emulators' listeners use. */
class MemoryResponse {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  contentType?: string;
  private readonly headers = new Map<string, string>();
  private readonly chunks: Buffer[] = [];
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.done = new Promise((r) => {
      this.resolve = r;
    });
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  writeHead(status: number, headers?: Record<string, string | number>): this {
    this.statusCode = status;
    for (const [k, v] of Object.entries(headers ?? {})) this.setHeader(k, v);
    this.headersSent = true;
    return this;
  }

  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    return true;
  }

  end(chunk?: string | Uint8Array | (() => void)): this {
    if (chunk !== undefined && typeof chunk !== 'function') this.write(chunk);
    this.headersSent = true;
    this.resolve();
    return this;
  }

  closeAllConnections(): void {}

  result() {
    return {
      statusCode: this.statusCode,
      headers: Object.fromEntries(this.headers),
      // The bytes themselves, not a stream over them: the SDK collects a Uint8Array body as it is.
      body: new Uint8Array(Buffer.concat(this.chunks)),
    };
  }
}

export class InProcessRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly listener: RequestListener) {}

  async handle(request: SdkHttpRequest): Promise<{ response: ReturnType<MemoryResponse['result']> }> {
    const body = await bodyBytes(request.body);
    const req = Object.assign(new PassThrough(), {
      method: request.method,
      url: `${request.path}${queryString(request.query)}`,
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      socket: { remoteAddress: '127.0.0.1' },
    });
    const res = new MemoryResponse();
    this.listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    req.end(body);
    await res.done;
    return { response: res.result() };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/**
 * The signer for clients on the in-process transport. The emulators behind it
 * read the SigV4 headers (dynalite rejects a request without a well-formed
 * Authorization header and X-Amz-Date) but never check the signature, so the
 * headers keep their shape and the signature is left out: hashing the body and
 * an HMAC chain for every one of a simulation's tens of thousands of requests
 * is work no one reads.
 */
export const inProcessSigner = {
  async sign<R extends { headers: Record<string, string> }>(request: R): Promise<R> {
    const second = Math.floor(Date.now() / 1000);
    if (second !== stamped.second) {
      // The headers change once a second: made then, not for every request.
      const stamp = new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
      const authorization =
        `AWS4-HMAC-SHA256 Credential=local/${stamp.slice(0, 8)}/local/local/aws4_request, ` +
        `SignedHeaders=host;x-amz-date, Signature=${UNCHECKED_SIGNATURE}`;
      stamped = { second, stamp, authorization };
    }
    request.headers['x-amz-date'] = stamped.stamp;
    request.headers.authorization = stamped.authorization;
    return request;
  },
};

let stamped = { second: Number.NaN, stamp: '', authorization: '' };

const UNCHECKED_SIGNATURE = '0'.repeat(64);
