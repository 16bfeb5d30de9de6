import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { NextFunction, Request, Response } from 'express';
import { RecordTokenFailureCommand } from './commands/record-token-failure.command';

const MAX_PATH = 200;

/**
 * Audits every 401/403 answer (bad SCIM token, bad admin token, bad hook secret) once it is sent.
 * Observing the response rather than each guard keeps this independent of how a route
 * authenticates; the record is written after the answer, and a failed write is logged (a refused
 * request changed nothing that the audit record would have to commit with).
 */
@Injectable()
export class TokenFailureAuditMiddleware implements NestMiddleware {
  private readonly logger = new Logger(TokenFailureAuditMiddleware.name);

  constructor(private readonly commands: CommandBus) {}

  use(req: Request, res: Response, next: NextFunction): void {
    res.once('finish', () => {
      if (res.statusCode !== 401 && res.statusCode !== 403) return;
      const header = req.headers.authorization;
      const credential = header === undefined ? 'missing' : /^\S+\s+\S+\s*$/.test(header) ? 'presented' : 'malformed';
      const path = (req.originalUrl.split('?')[0] ?? '').slice(0, MAX_PATH);
      this.commands
        .execute(new RecordTokenFailureCommand(res.statusCode, req.method, path, credential, req.ip))
        .catch((err: unknown) => this.logger.error(`could not audit a refused request: ${err instanceof Error ? err.message : String(err)}`));
    });
    next();
  }
}
