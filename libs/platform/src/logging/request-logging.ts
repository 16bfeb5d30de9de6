import type { IncomingMessage, ServerResponse } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** What a request log line says about the request: never headers, body or query string (filters name people). */
export interface RequestLogFields {
  id: number;
  method: string | undefined;
  path: string;
}

/** A request as Express hands it to middleware: `url` is relative to the mount point, `originalUrl` is not. */
type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

function fullUrl(req: LoggedRequest): string {
  return req.originalUrl ?? req.url ?? '';
}

/** Routes without a request line (probes and scrapes would drown the rest). */
export function isUnloggedRoute(url: string): boolean {
  return url.startsWith('/health') || url === '/metrics';
}

export function pathWithoutQuery(url: string | undefined): string {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

/** The `req` serializer: a raw request becomes its loggable fields; already-reduced fields pass through. */
export function serializeRequest(req: LoggedRequest | RequestLogFields): unknown {
  if (req === null || typeof req !== 'object') return req;
  if ('url' in req) return { id: req.id, method: req.method, path: pathWithoutQuery(fullUrl(req)) };
  return req;
}

/** The `res` serializer: the status only (response headers are not part of the log contract). */
export function serializeResponse(res: ServerResponse | { statusCode?: number }): unknown {
  return res !== null && typeof res === 'object' ? { statusCode: res.statusCode } : res;
}

type Next = (err?: unknown) => void;

/** The request being handled, for every line logged while handling it (see requestLogMixin). */
const currentRequest = new AsyncLocalStorage<RequestLogFields>();

/**
 * pino `mixin`: adds `req: {id, method, path}` to each line written inside a logged request. Done
 * at write time, so a request costs nothing here unless something logs. pino merges the line's
 * own fields into what this returns, hence a fresh object per call.
 */
export function requestLogMixin(): object {
  const req = currentRequest.getStore();
  return req === undefined ? {} : { req };
}

/**
 * Per-request logging in place of pino-http's middleware, which on every request (at every level,
 * silent included) serialized the whole request into a child logger and ran it through redaction.
 * This one keeps `req: {id, method, path}` in an AsyncLocalStorage for requestLogMixin, and writes
 * pino-http's line shape when the response ends: `{req, res: {statusCode}, responseTime,
 * msg: "request completed"}`, or "request errored" with `err` for 5xx, at info. That line is built
 * only from these fields (the path without its query), so it is written without the redaction
 * walk; every other line keeps it. The app mounts this only when LOG_LEVEL is not silent.
 */
export function requestLoggingMiddleware(root: Logger): (req: LoggedRequest, res: ServerResponse, next: Next) => void {
  // Nothing in a request line is redactable: skip the walk of REDACTED_LOG_PATHS for it alone.
  const requestLine = root.child({}, { redact: { paths: [] } });
  const writeLines = root.isLevelEnabled('info');
  // pino-http's default ids: a per-process counter (kept, so ids look as before).
  let lastId = 0;
  return (req, res, next) => {
    const url = fullUrl(req);
    if (isUnloggedRoute(url)) return next();
    lastId = (lastId + 1) & 0x7fffffff;
    req.id = lastId;
    const fields: RequestLogFields = { id: lastId, method: req.method, path: pathWithoutQuery(url) };
    if (writeLines) {
      const startedAt = Date.now();
      let done = false;
      const onEnd = (): void => {
        if (done) return;
        done = true;
        res.removeListener('finish', onEnd);
        res.removeListener('close', onEnd);
        const responseTime = Date.now() - startedAt;
        const status = res.statusCode;
        if (status >= 500) {
          requestLine.info({ req: fields, res: { statusCode: status }, err: new Error(`failed with status code ${status}`), responseTime }, 'request errored');
        } else {
          requestLine.info({ req: fields, res: { statusCode: status }, responseTime }, 'request completed');
        }
      };
      res.on('finish', onEnd);
      res.on('close', onEnd);
    }
    currentRequest.run(fields, next);
  };
}
