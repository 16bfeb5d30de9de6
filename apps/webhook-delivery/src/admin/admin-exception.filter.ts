import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { sendPlainJsonError } from '@idsync/platform';

/**
 * Error answers of the admin API: HTTP exceptions as Nest renders them; a database outage is
 * 503 + Retry-After (an operator's script can retry), not a 500; anything else a 500 with an
 * errorId whose details go to the log only.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AdminExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    sendPlainJsonError(exception, host.switchToHttp().getResponse<Response>(), this.logger);
  }
}
