import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '@idsync/platform';

/**
 * Error answers of the admin API: HTTP exceptions as Nest renders them; a database outage is
 * 503 + Retry-After (an operator's script can retry), not a 500; anything else a 500 with an
 * errorId whose details go to the log only.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AdminExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      res.status(exception.getStatus()).json(typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body);
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception }, 'database unavailable; answered 503');
      res.setHeader('Retry-After', '5');
      res.status(503).json({ statusCode: 503, message: 'The service is temporarily unavailable; retry after the number of seconds in Retry-After' });
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'unexpected error');
    res.status(500).json({ statusCode: 500, message: `Internal error (errorId ${errorId})` });
  }
}
