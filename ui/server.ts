import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { isShadow, type Job } from '../lambdas/domain/config/dag';
import { runDateIn } from '../lambdas/domain/run-date';
import { backfillStatus, cancelBackfill } from '../lambdas/engine/operations/backfill';
import { OperationRefusedError } from '../lambdas/engine/operations/errors';
import { jobHistory } from '../lambdas/engine/operations/history';
import { mark } from '../lambdas/engine/operations/mark';
import { planReplay, replay, runNow } from '../lambdas/engine/operations/replay';
import { dayStatus } from '../lambdas/engine/operations/status';
import type { OpsContext } from '../lambdas/runtime/aws-deps';
import { judgeAlerts } from './api/alerts';
import { ganttOf } from './api/gantt';
import { runGrid } from './api/grid';
import { backfillIdParam, dateParam, dateRangeParams, HttpError, jobParam } from './api/params';
import { runDetail } from './api/run-detail';

/**
 * The web UI: a static page and a small JSON API over the same operations as
 * the CLI, acting with the operator's credentials. So that no web page the
 * operator visits can drive it:
 * - it listens on 127.0.0.1 and answers only requests whose Host is
 *   `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>`; a DNS-rebinding
 *   page (evil.example resolved to 127.0.0.1) sends its own name and gets 403;
 * - a change (any method but GET/HEAD) also needs the per-process token in
 *   the `X-Rsched-Token` header and, when the browser sends an Origin, that
 *   Origin must be the UI's own. The token reaches the page in the fragment of
 *   the address the server reports (`/#token=…`), which browsers send neither
 *   to servers nor in Referer.
 */
export interface UiServerOptions {
  readonly ops: OpsContext;
  readonly port: number;
  readonly description: string;
  /** Who the UI acts as in history. */
  readonly operator?: string;
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The page's ES modules (ui/public/js), loaded by the browser as they are: no build step. */
const MODULE = /^\/js\/[a-z][a-z-]*\.js$/;

function staticFile(publicDir: string, path: string): { file: string; type: string } | undefined {
  if (STATIC[path]) return STATIC[path];
  if (MODULE.test(path) && existsSync(join(publicDir, path))) return { file: path.slice(1), type: 'text/javascript; charset=utf-8' };
  return undefined;
}

/** A running UI server. */
export interface UiServer {
  /** Its plain address, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The per-process secret that changes need (header `X-Rsched-Token`). */
  readonly token: string;
  /** The address to open: `url` with `#token=<token>`, which the page reads and sends. */
  readonly link: string;
  stop(): Promise<void>;
}

/** The header a change must carry the token in. */
export const TOKEN_HEADER = 'x-rsched-token';

/** Constant-time comparison of a presented token with the real one (hashed first, so lengths never differ). */
function tokenMatches(presented: string | string[] | undefined, token: string): boolean {
  if (typeof presented !== 'string' || presented === '') return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:",
  });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * The whole body (64 KiB at most), read before any answer: a refusal sent while
 * the upload is still arriving can be lost to a TCP reset when the socket closes.
 */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * ui/public: next to this file under tsx and in tests; from the CLI's build
 * (dist/cli/<build>/, bin/build-cli.js), in the repository's ui/ above it.
 */
function publicDirectory(): string {
  const beside = join(__dirname, 'public');
  if (existsSync(beside)) return beside;
  for (let dir = dirname(__dirname); dir !== dirname(dir); dir = dirname(dir)) {
    const inRepository = join(dir, 'ui', 'public');
    if (existsSync(inRepository)) return inRepository;
  }
  return beside;
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const { ops } = options;
  // 256 bits from the OS; it lives only in this process and in the address printed for the operator.
  const token = randomBytes(32).toString('base64url');
  // Filled in once listening: the port is only known then (--port 0).
  let allowedHosts = new Set<string>();
  const { dag } = ops.deps;
  const by = `operator:${options.operator ?? 'web-ui'}` as const;
  const publicDir = publicDirectory();
  const today = () => runDateIn(ops.deps.clock.now(), 'UTC');

  const get = async (path: string, query: URLSearchParams): Promise<unknown> => {
    switch (path) {
      case '/api/meta':
        return {
          description: options.description,
          today: today(),
          now: ops.deps.clock.now().toISOString(),
          jobs: dag.topologicalOrder.map((name) => {
            const job = dag.jobs.get(name) as Job;
            return {
              name,
              dependsOn: job.dependsOn,
              type: job.target.type,
              pool: job.pool ?? null,
              schedule: job.schedule ?? null,
              expectedBy: job.expectedBy ?? null,
              mode: isShadow(job) ? 'shadow' : 'live',
            };
          }),
          clusters: [...dag.clusters.values()].map((c) => ({
            name: c.name,
            pools: c.pools,
            start: c.start,
            stop: c.stop,
            timezone: c.timezone,
          })),
        };
      case '/api/clock':
        return { now: ops.deps.clock.now().toISOString(), today: today() };
      case '/api/status':
        return dayStatus({
          dag,
          store: ops.deps.store,
          registry: ops.registry,
          date: dateParam(query.get('date'), today()),
          now: ops.deps.clock.now(),
        });
      case '/api/grid':
        return runGrid(dag, ops.deps.store, dateRangeParams(query, today()));
      case '/api/gantt': {
        const date = dateParam(query.get('date'), today());
        const [day, runs] = await Promise.all([
          dayStatus({ dag, store: ops.deps.store, registry: ops.registry, date, now: ops.deps.clock.now() }),
          ops.deps.store.listByDate(date),
        ]);
        return ganttOf(dag, date, runs, day.clusters, ops.deps.clock.now());
      }
      case '/api/alerts': {
        const date = dateParam(query.get('date'), today());
        const [alerts, runs] = await Promise.all([ops.deps.store.listAlerts(date), ops.deps.store.listByDate(date)]);
        return { date, alerts: judgeAlerts(alerts, runs) };
      }
      case '/api/detail':
        return runDetail(ops, jobParam(dag, query.get('job')), dateParam(query.get('date')));
      case '/api/history': {
        const job = jobParam(dag, query.get('job'));
        const days = Math.min(400, Math.max(1, Number(query.get('days') ?? 14) || 14));
        return jobHistory(ops.deps.store, job, today(), days);
      }
      case '/api/backfills':
        return (await ops.backfills.listBackfills()).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      case '/api/backfill': {
        const id = backfillIdParam(query.get('id'));
        const backfill = await ops.backfills.getBackfill(id);
        if (!backfill) throw new HttpError(404, `no backfill ${id}`);
        return { ...backfill, status: await backfillStatus(ops.deps, backfill) };
      }
      default:
        throw new HttpError(404, `no such endpoint ${path}`);
    }
  };

  /** The run a change is about: a job of the DAG and a date, both required (400 otherwise). */
  const runOf = (body: Record<string, unknown>) => ({ job: jobParam(dag, body.job), date: dateParam(body.date) });

  // The same engine operations as the CLI's replay, run, mark and backfill --cancel.
  const post = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const force = body.force === true;
    switch (path) {
      case '/api/replay-plan':
        return planReplay(ops.deps, { ...runOf(body), downstream: body.downstream === true, force, by });
      case '/api/replay': {
        const result = await replay(ops.deps, { ...runOf(body), downstream: body.downstream === true, force, by });
        return { dispatch: result.dispatch, started: result.started.map((r) => r.job) };
      }
      case '/api/run': {
        const result = await runNow(ops.deps, { ...runOf(body), force, by });
        return { dispatch: result.dispatch };
      }
      case '/api/mark':
        return mark(ops.deps, ops.bucket, { ...runOf(body), failed: body.failed === true, params: {}, force, by });
      case '/api/backfill-cancel': {
        const cancelled = await cancelBackfill(ops.deps, ops.backfills, backfillIdParam(body.id));
        return { id: cancelled.id, state: cancelled.state };
      }
      default:
        throw new HttpError(404, `no such endpoint ${path}`);
    }
  };

  const server = createServer(async (req, res) => {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      return send(res, err instanceof HttpError ? err.status : 400, { error: err instanceof Error ? err.message : String(err) });
    }
    // For every path: a request for another host name (a DNS-rebinding page) is not for us.
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(host)) {
      return send(
        res,
        403,
        `rsched UI: refused a request for host "${req.headers.host ?? ''}"; open it as http://127.0.0.1:${port()}/ (or localhost)\n`,
        'text/plain; charset=utf-8',
      );
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        const origin = req.headers.origin;
        if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
          throw new HttpError(403, `changes are only accepted from the rsched UI itself, not from ${origin}`);
        }
        if (!tokenMatches(req.headers[TOKEN_HEADER], token)) {
          throw new HttpError(
            403,
            'changes need the UI token: open the address rsched printed (it ends in #token=…), not the bare address',
          );
        }
      }
      const file = method === 'GET' ? staticFile(publicDir, url.pathname) : undefined;
      if (file) return send(res, 200, readFileSync(join(publicDir, file.file), 'utf8'), file.type);
      if (method === 'GET' && url.pathname.startsWith('/api/')) return send(res, 200, await get(url.pathname, url.searchParams));
      if (method === 'POST' && url.pathname.startsWith('/api/')) return send(res, 200, await post(url.pathname, parseJson(body)));
      throw new HttpError(404, 'not found');
    } catch (err) {
      if (err instanceof HttpError) return send(res, err.status, { error: err.message });
      if (err instanceof OperationRefusedError) return send(res, 409, { error: err.message });
      return send(res, 500, { error: String(err) });
    }
  });
  const port = () => (server.address() as { port: number }).port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${options.port} is in use; pass --ui-port 0 for any free port`) : err),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  allowedHosts = new Set([`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`]);
  const url = `http://127.0.0.1:${port()}/`;
  return {
    url,
    token,
    link: `${url}#token=${token}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
