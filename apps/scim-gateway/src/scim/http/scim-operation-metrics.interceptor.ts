import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { Counter } from 'prom-client';
import { routeTemplate } from '@idsync/platform';
import type { ScimPrincipal } from '../../tenants/scim-token.service';

/**
 * SCIM operations by tenant (its id: one series set per identity-provider connection), resource
 * type, operation and status code. Labels come from the route template, never from the URL.
 */
export const scimOperations = new Counter({
  name: 'idsync_scim_operations_total',
  help: 'SCIM operations answered, by tenant id, resource type (User, Group, Bulk), operation and status code',
  labelNames: ['tenant', 'resource_type', 'operation', 'status_code'],
});

const RESOURCE_ROUTE = /^\/scim\/v2\/(Users|Groups)(\/\.search|\/:id)?$/;

/** The SCIM operation a route template stands for (undefined: discovery, admin, … are not counted). */
export function scimOperationOf(method: string, route: string): { resourceType: string; operation: string } | undefined {
  if (method === 'POST' && route === '/scim/v2/Bulk') return { resourceType: 'Bulk', operation: 'bulk' };
  const m = RESOURCE_ROUTE.exec(route);
  if (!m) return undefined;
  const resourceType = m[1] === 'Users' ? 'User' : 'Group';
  const byMethod: Record<string, string | undefined> =
    m[2] === '/:id' ? { GET: 'get', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' } : m[2] === '/.search' ? { POST: 'search' } : { GET: 'list', POST: 'create' };
  const operation = byMethod[method];
  return operation ? { resourceType, operation } : undefined;
}

/** Counts each authenticated SCIM operation once its response is finished (errors included). */
@Injectable()
export class ScimOperationMetricsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request & { user?: ScimPrincipal }>();
      const res = context.switchToHttp().getResponse<Response>();
      const op = scimOperationOf(req.method, routeTemplate(req));
      const tenant = req.user?.tenantId;
      if (op && tenant) {
        res.once('finish', () => scimOperations.inc({ tenant, resource_type: op.resourceType, operation: op.operation, status_code: String(res.statusCode) }));
      }
    }
    return next.handle();
  }
}
