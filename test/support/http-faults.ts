import { Readable } from 'node:stream';

/**
 * Fault injection at the HTTP layer of a real AWS SDK v3 client, *below* the
 * SDK's retry middleware, so the SDK's own retries see the fault exactly as
 * they would see AWS's:
 *
 * - `throttle`: HTTP 429 before the request reaches the service (not applied).
 * - `5xx`: HTTP 500 before the request reaches the service (not applied).
 * - `applied-then-5xx`: the request reaches the service and takes effect, then
 *   the client gets HTTP 500 instead of the answer.
 * - `applied-answer-lost`: the request takes effect, then the connection
 *   drops (ECONNRESET) or times out: the client never hears the answer.
 *
 * The SDK retries all four (throttling and transient errors, see
 * @smithy/util-retry's `isThrottlingError`/`isTransientError`/`isServerError`),
 * which is what makes the last two dangerous for non-idempotent calls.
 */
export type HttpFault = 'throttle' | '5xx' | 'applied-then-5xx' | 'applied-answer-lost';

export const HTTP_FAULTS: readonly HttpFault[] = ['throttle', '5xx', 'applied-then-5xx', 'applied-answer-lost'];

/** Faults after which the call has taken effect. */
export const APPLIED_FAULTS: readonly HttpFault[] = ['applied-then-5xx', 'applied-answer-lost'];

export interface HttpCall {
  /** 1-based index of the request on this client (SDK retries count as requests). */
  readonly index: number;
  /** The API operation, e.g. `UpdateItem`, `AddJobFlowSteps`, `Publish`, `PutObject`. */
  readonly operation: string;
  /** The request body as text (JSON protocols: the operation's input). */
  readonly body: string;
}

export interface FaultRecord {
  readonly call: HttpCall;
  readonly fault: HttpFault;
}

export interface HttpFaultInjector {
  /** Every request the client sent, in order. */
  readonly calls: HttpCall[];
  /** The requests a fault struck. */
  readonly faults: FaultRecord[];
  /** Replaces the plan (e.g. none while a test sets up its data). */
  setPlan(plan: FaultPlan): void;
}

export type FaultPlan = (call: HttpCall) => HttpFault | undefined;

interface SdkRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly query?: Record<string, unknown>;
  body?: unknown;
}

interface RequestHandlerLike {
  handle(request: SdkRequest, options?: unknown): Promise<{ response: unknown }>;
}

interface ClientLike {
  readonly config: { requestHandler: unknown };
}

async function bodyText(request: SdkRequest): Promise<string> {
  const body = request.body;
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (body instanceof Readable) {
    // Read it and hand the inner handler the bytes instead of the spent stream.
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    const bytes = Buffer.concat(chunks);
    request.body = bytes;
    return bytes.toString('utf8');
  }
  return '';
}

const S3_OPERATIONS: Record<string, string> = { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' };

/** REST-JSON operations (EMR Serverless, Lambda) by method and path. */
const REST_OPERATIONS: readonly [method: string, path: RegExp, operation: string][] = [
  ['GET', /^\/applications$/, 'ListApplications'],
  ['POST', /^\/applications\/[^/]+\/jobruns$/, 'StartJobRun'],
  ['GET', /^\/applications\/[^/]+\/jobruns$/, 'ListJobRuns'],
  ['POST', /^\/2015-03-31\/functions\/[^/]+\/invocations$/, 'Invoke'],
];

/** The operation a request calls: JSON protocols name it in X-Amz-Target, query protocols in Action=, REST by path, S3 by method. */
function operationOf(request: SdkRequest, body: string): string {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const target = headers['x-amz-target'];
  if (target) return target.slice(target.lastIndexOf('.') + 1);
  const rest = REST_OPERATIONS.find(([method, path]) => method === request.method && path.test(request.path));
  if (rest) return rest[2];
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body);
  if (action) return action[1] as string;
  if (request.query && 'list-type' in request.query) return 'ListObjectsV2';
  return S3_OPERATIONS[request.method] ?? request.method;
}

function httpResponse(statusCode: number, body: string) {
  return {
    response: {
      statusCode,
      reason: statusCode === 429 ? 'Too Many Requests' : 'Internal Server Error',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(body)) },
      body: Readable.from([Buffer.from(body, 'utf8')]),
    },
  };
}

function connectionReset(): Error {
  return Object.assign(new Error('socket hang up (injected: the request was applied, the answer lost)'), {
    name: 'Error',
    code: 'ECONNRESET',
  });
}

/**
 * Wraps the request handler of an SDK v3 client (or a document client's base
 * client) so that `plan` decides the fate of every HTTP request it sends.
 * The SDK reads `config.requestHandler` on every send, so wrapping after
 * construction works for clients made by production code.
 */
export function injectHttpFaults(client: ClientLike, plan: FaultPlan): HttpFaultInjector {
  const inner = client.config.requestHandler as RequestHandlerLike;
  const calls: HttpCall[] = [];
  const faults: FaultRecord[] = [];
  let current = plan;
  const wrapper = {
    metadata: (inner as { metadata?: unknown }).metadata,
    async handle(request: SdkRequest, options?: unknown) {
      const body = await bodyText(request);
      const call: HttpCall = { index: calls.length + 1, operation: operationOf(request, body), body };
      calls.push(call);
      const fault = current(call);
      if (fault) faults.push({ call, fault });
      switch (fault) {
        case 'throttle':
          return httpResponse(429, JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded (injected)' }));
        case '5xx':
          return httpResponse(500, JSON.stringify({ __type: 'InternalServerError', message: 'injected before the call' }));
        case 'applied-then-5xx': {
          const answer = await inner.handle(request, options);
          await drain(answer);
          return httpResponse(500, JSON.stringify({ __type: 'InternalServerError', message: 'injected after the call took effect' }));
        }
        case 'applied-answer-lost': {
          const answer = await inner.handle(request, options);
          await drain(answer);
          throw connectionReset();
        }
        default:
          return inner.handle(request, options);
      }
    },
    updateHttpClientConfig: (...args: unknown[]) =>
      (inner as { updateHttpClientConfig?: (...a: unknown[]) => void }).updateHttpClientConfig?.(...args),
    httpHandlerConfigs: () => (inner as { httpHandlerConfigs?: () => unknown }).httpHandlerConfigs?.() ?? {},
    destroy: () => (inner as { destroy?: () => void }).destroy?.(),
  };
  client.config.requestHandler = wrapper;
  return {
    calls,
    faults,
    setPlan(next) {
      current = next;
    },
  };
}

/** Reads a response body to its end so the socket is released (the answer is thrown away). */
async function drain(answer: { response: unknown }): Promise<void> {
  const body = (answer.response as { body?: unknown }).body;
  if (body instanceof Readable) for await (const _ of body);
}

/** A plan that strikes the first `count` requests `match` accepts with `fault`, then none. */
export function strike(match: (call: HttpCall) => boolean, fault: HttpFault, count = 1): FaultPlan {
  let left = count;
  return (call) => {
    if (left <= 0 || !match(call)) return undefined;
    left--;
    return fault;
  };
}

/** Matches requests of one operation, optionally whose body contains `text`. */
export function operation(name: string, text?: string): (call: HttpCall) => boolean {
  return (call) => call.operation === name && (text === undefined || call.body.includes(text));
}
