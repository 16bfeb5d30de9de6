import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PinoLogger } from 'nestjs-pino';

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

/**
 * Per-request logging in place of pino-http's middleware, which serialized and redacted the whole
 * request (headers included) into a child logger on every request, at every level, even silent.
 * This one binds only `req: {id, method, path}` — small, already free of secrets — to the request's
 * context (so lines logged while handling it carry the request id), and writes pino-http's line
 * shape when the response ends: `{req, res: {statusCode}, responseTime, msg: "request completed"}`,
 * or "request errored" with `err` for 5xx. The app mounts it only when LOG_LEVEL is not silent.
 */
export function requestLoggingMiddleware(pinoLogger: Pick<PinoLogger, 'runInContext' | 'logger'>): (req: LoggedRequest, res: ServerResponse, next: Next) => void {
  // pino-http's default ids: a per-process counter (kept, so ids stay as before).
  let lastId = 0;
  return (req, res, next) => {
    const url = fullUrl(req);
    if (isUnloggedRoute(url)) return next();
    lastId = (lastId + 1) & 0x7fffffff;
    req.id = lastId;
    const fields: RequestLogFields = { id: lastId, method: req.method, path: pathWithoutQuery(url) };
    pinoLogger.runInContext(
      () => {
        const log = pinoLogger.logger;
        // Nothing to write at levels above info: the context alone is kept, for the lines that are.
        if (log.isLevelEnabled('info')) {
          const startedAt = Date.now();
          let done = false;
          const onEnd = (): void => {
            if (done) return;
            done = true;
            res.removeListener('finish', onEnd);
            res.removeListener('close', onEnd);
            const responseTime = Date.now() - startedAt;
            if (res.statusCode >= 500) {
              log.info({ res, err: new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
            } else {
              log.info({ res, responseTime }, 'request completed');
            }
          };
          res.on('finish', onEnd);
          res.on('close', onEnd);
        }
        next();
      },
      { bindings: { req: fields } },
    );
  };
}
