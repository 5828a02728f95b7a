import { createServer, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server } from 'node:http';

/**
 * A minimal server for AWS's JSON protocols (POST / with `X-Amz-Target:
 * <Service>.<Operation>`: EMR, Data Pipeline, Glue, Step Functions) and for
 * REST-JSON routes (EMR Serverless, Lambda: an operation keyed
 * `"<METHOD> /path/{param}"`, its input the body, the query and the path
 * parameters), enough for the SDK clients to talk to the simulated control
 * planes exactly as they talk to AWS.
 */
export type Operation = (input: Record<string, unknown>, headers: IncomingHttpHeaders, body?: string) => Promise<unknown> | unknown;

/** An error the SDK turns into a typed exception (`name` = `__type`). */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A REST answer with its own status and headers (Lambda's asynchronous Invoke answers 202 with no body). */
export class RestReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

interface RestRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: string[];
  readonly operation: Operation;
}

function restRoutes(operations: Record<string, Operation>): RestRoute[] {
  return Object.entries(operations).flatMap(([key, operation]) => {
    const m = /^(GET|POST|PUT|DELETE) (\/.*)$/.exec(key);
    if (!m) return [];
    const params: string[] = [];
    const source = (m[2] as string).replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return [{ method: m[1] as string, pattern: new RegExp(`^${source}$`), params, operation }];
  });
}

export interface JsonRpcServer {
  readonly endpoint: string;
  /** The HTTP request listener, for in-process transport. */
  readonly listener: RequestListener;
  stop(): Promise<void>;
}

/**
 * The request listener that serves `operations`, without a socket: the SDK
 * clients reach it through the in-process transport (InProcessRequestHandler).
 */
export function jsonRpcListener(operations: Record<string, Operation>): RequestListener {
  const routes = restRoutes(operations);
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (!target) return serveRest(req, Buffer.concat(chunks).toString('utf8'), routes, reply);
      const operation = operations[target];
      if (!operation)
        return reply(400, {
          __type: 'UnknownOperationException',
          message: `the simulator does not implement ${target || '(no X-Amz-Target)'}`,
        });
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        reply(200, (await operation(text ? JSON.parse(text) : {}, req.headers)) ?? {});
      } catch (err) {
        if (err instanceof ServiceError) reply(err.status, { __type: err.type, message: err.message });
        else reply(500, { __type: 'InternalServerError', message: String(err) });
      }
    });
  };
}

export async function startJsonRpcServer(operations: Record<string, Operation>, port = 0): Promise<JsonRpcServer> {
  const listener = jsonRpcListener(operations);
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    listener,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Reply = (status: number, body: unknown, headers?: Readonly<Record<string, string>>) => void;

/** A REST-JSON request: path parameters, query and body merged into the operation's input. */
async function serveRest(req: IncomingMessage, text: string, routes: readonly RestRoute[], reply: Reply): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const path = url.pathname;
  for (const route of routes) {
    const m = route.method === req.method ? route.pattern.exec(path) : null;
    if (!m) continue;
    try {
      const body = text ? (JSON.parse(text) as unknown) : {};
      // Input as the SDK serialised it: the body's members (an object), the query, then the path parameters.
      const input: Record<string, unknown> = {
        ...(body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}),
        ...Object.fromEntries(url.searchParams),
      };
      route.params.forEach((name, i) => {
        input[name] = decodeURIComponent(m[i + 1] as string);
      });
      const out = await route.operation(input, req.headers, text);
      if (out instanceof RestReply) return reply(out.status, out.body, out.headers);
      return reply(200, out ?? {});
    } catch (err) {
      if (err instanceof ServiceError)
        return reply(err.status, { __type: err.type, message: err.message }, { 'x-amzn-errortype': err.type });
      return reply(500, { __type: 'InternalServerError', message: String(err) });
    }
  }
  reply(404, { __type: 'UnknownOperationException', message: `the simulator does not implement ${req.method} ${path}` });
}
