import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';

/**
 * HTTP requests by route template, never the raw URL: ids, tenant names and query strings stay out
 * of labels, so the series are bounded by (routes × methods × status codes). Requests no route
 * matched are `route="unmatched"` (a scanner probing random paths cannot add series).
 */
export const httpRequestDuration = new Histogram({
  name: 'idsync_http_request_duration_seconds',
  help: 'HTTP requests served, by method, route template and status code (count = request rate)',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface RouteLayer {
  path?: unknown;
  stack?: { handle?: { name?: string } }[];
}

/**
 * The matched route as declared (`/scim/v2/Users/:id`): Express sets req.route to the last route
 * that handled the request. Middleware bound with Nest's forRoutes() is a router route too (a
 * wildcard like `{/*splat}`, handler named `handler`); a request that only went through such
 * routes matched no endpoint. Nest names controller handlers `<Controller>.<method>`.
 */
export function routeTemplate(req: Request): string {
  const route = req.route as RouteLayer | undefined;
  if (!route || typeof route.path !== 'string') return 'unmatched';
  const isEndpoint = !/[*{]/.test(route.path) || !!route.stack?.some((l) => l.handle?.name?.includes('.'));
  return isEndpoint ? `${req.baseUrl}${route.path}` || '/' : 'unmatched';
}

/** Express middleware timing every request until its response is finished (or the client left). */
export function httpMetricsMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = httpRequestDuration.startTimer();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      end({ method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER', route: routeTemplate(req), status_code: String(res.statusCode) });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
