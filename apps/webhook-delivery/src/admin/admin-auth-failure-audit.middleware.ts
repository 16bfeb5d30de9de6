import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { NextFunction, Request, Response } from 'express';
import { RecordAdminAuthFailureCommand } from './commands/record-admin-auth-failure.command';

const MAX_PATH = 200;

/**
 * Audits every 401/403 answer of the admin API once it is sent (observing the response keeps this
 * independent of how AdminApiGuard decides). Written after the answer; a failed write is logged.
 */
@Injectable()
export class AdminAuthFailureAuditMiddleware implements NestMiddleware {
  private readonly logger = new Logger(AdminAuthFailureAuditMiddleware.name);

  constructor(private readonly commands: CommandBus) {}

  use(req: Request, res: Response, next: NextFunction): void {
    res.once('finish', () => {
      if (res.statusCode !== 401 && res.statusCode !== 403) return;
      const header = req.headers.authorization;
      const credential = header === undefined ? 'missing' : /^\S+\s+\S+\s*$/.test(header) ? 'presented' : 'malformed';
      const path = (req.originalUrl.split('?')[0] ?? '').slice(0, MAX_PATH);
      this.commands
        .execute(new RecordAdminAuthFailureCommand(res.statusCode, req.method, path, credential, req.ip))
        .catch((err: unknown) => this.logger.error(`could not audit a refused admin request: ${err instanceof Error ? err.message : String(err)}`));
    });
    next();
  }
}
