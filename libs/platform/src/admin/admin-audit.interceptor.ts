import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, Optional } from '@nestjs/common';
import { from, mergeMap, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import type { AdminRequest } from './admin-principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Audits successful mutating admin requests (POST/PUT/PATCH/DELETE) of controllers whose handlers
 * do not audit themselves: actor = the AdminApiGuard principal, action = `<controller>.<handler>`
 * (`subscriptions.create`, `deliveries.replay`), target = the route's `:id`, tenant = the one the
 * request names. Never the body (it may hold secrets). Written after the change commits, so a
 * crash in between loses the record: handlers that need atomicity write their own, in their
 * transaction, as scim-gateway's admin handlers do.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AdminAuditInterceptor.name);

  constructor(@Optional() private readonly db?: DataSource) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    if (!this.db || ['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next.handle();
    const action = `${context.getClass().name.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}.${context.getHandler().name}`;
    return next.handle().pipe(mergeMap((result: unknown) => from(this.record(req, action).then(() => result))));
  }

  private async record(req: AdminRequest, action: string): Promise<void> {
    const principal = req.adminPrincipal;
    if (!principal || !this.db) return;
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body = (req.body !== null && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const tenant = [req.adminTenantLimit, query.tenantId, body.tenantId].find((t): t is string => typeof t === 'string' && UUID.test(t)) ?? null;
    const id = req.params?.id;
    try {
      await AuditWriter.record(this.db.manager, {
        tenantId: tenant,
        actorType: 'admin',
        actorId: principal.actorId,
        action,
        resourceId: typeof id === 'string' ? id : undefined,
        details: { subject: principal.subject, route: req.route ? String((req.route as { path: unknown }).path) : req.path },
      });
    } catch (err) {
      // The change is done; a missing audit record is logged loudly rather than failing the response.
      this.logger.error(`audit record of ${action} failed: ${(err as Error).message}`);
    }
  }
}
