import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { idsyncTracer } from './idsync-tracer';
import { extractTraceContext } from './trace-context-carrier';

type RoutedRequest = IncomingMessage & { originalUrl?: string; route?: { path?: unknown } };

/** Probes and scrapes are not traced: they would drown the traces that matter. */
const UNTRACED_PATHS = /^\/(health(\/|$)|metrics$)/;

/**
 * Express middleware (installed first, before body parsing) opening one SERVER span per request,
 * child of an incoming `traceparent` (an IdP or proxy that traces). The span is named
 * `<METHOD> <route template>` once the router has matched (`POST /scim/v2/Users`), never the raw
 * path, which carries ids. Only the path is recorded: query strings can hold SCIM filters with
 * user names. The request and response emitters are bound to the span's context so body parsing
 * and everything after it (guards, handlers, the outbox write) see it as active.
 */
export function httpServerTracingMiddleware() {
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const path = (req.originalUrl ?? req.url ?? '/').split('?')[0];
    if (UNTRACED_PATHS.test(path)) return next();
    const method = req.method ?? 'GET';
    const parent = extractTraceContext(req.headers);
    const span = idsyncTracer().startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
    const ctx = trace.setSpan(parent, span);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const route = typeof req.route?.path === 'string' ? req.route.path : undefined;
      if (route) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('error.type', 'connection_closed');
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.bind(ctx, req);
    context.bind(ctx, res);
    context.with(ctx, next);
  };
}
