import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';

/**
 * A minimal server for AWS's JSON 1.1 protocol (POST / with `X-Amz-Target:
 * <Service>.<Operation>`), enough for the SDK clients of EMR and Data Pipeline
 * to talk to the simulated control planes exactly as they talk to AWS.
 */
export type Operation = (input: Record<string, unknown>, headers: IncomingHttpHeaders) => Promise<unknown> | unknown;

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

export interface JsonRpcServer {
  readonly endpoint: string;
  /** The HTTP request listener, for in-process transport. */
  readonly listener: RequestListener;
  stop(): Promise<void>;
}

export async function startJsonRpcServer(operations: Record<string, Operation>, port = 0): Promise<JsonRpcServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
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
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    listener: server.listeners('request')[0] as RequestListener,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
