import { Inject, Injectable, Logger, type NestMiddleware, type Type } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';

const MAX_PATH = 200;

/**
 * Middleware that audits every 401/403 answer once it is sent (bad SCIM token, bad admin token,
 * bad hook secret, missing rights), on the system chain: the tenant is unknown when the token is.
 * Observing the response rather than each guard keeps this independent of how a route
 * authenticates. The record is written after the answer and a failed write is only logged: a
 * refused request changed nothing the record would have to commit with. It never holds the
 * credential, only whether one was sent; the path loses its query string (a SCIM filter may hold
 * PII). `app` names the app in the details when several apps share one database's audit trail.
 */
export function refusedCredentialAuditMiddleware(app?: string): Type<NestMiddleware> {
  @Injectable()
  class RefusedCredentialAuditMiddleware implements NestMiddleware {
    private readonly logger = new Logger(RefusedCredentialAuditMiddleware.name);

    constructor(@Inject(DataSource) private readonly db: DataSource) {}

    use(req: Request, res: Response, next: NextFunction): void {
      res.once('finish', () => {
        if (res.statusCode !== 401 && res.statusCode !== 403) return;
        this.record(req, res.statusCode).catch((err: unknown) =>
          this.logger.error(`could not audit a refused request: ${err instanceof Error ? err.message : String(err)}`),
        );
      });
      next();
    }

    private async record(req: Request, status: 401 | 403): Promise<void> {
      const header = req.headers.authorization;
      const credential = header === undefined ? 'missing' : /^\S+\s+\S+\s*$/.test(header) ? 'presented' : 'malformed';
      const path = (req.originalUrl.split('?')[0] ?? '').slice(0, MAX_PATH);
      await AuditWriter.record(this.db.manager, {
        tenantId: null,
        actorType: 'anonymous',
        actorId: req.ip ?? 'unknown',
        action: status === 401 ? 'auth.token_rejected' : 'auth.access_denied',
        outcome: 'failure',
        details: { api: path.split('/')[1] ?? '', ...(app ? { app } : {}), method: req.method, path, credential, status },
      });
    }
  }
  return RefusedCredentialAuditMiddleware;
}
