import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ScimError } from '@idsync/identity';
import { scimRequestsShed } from '../../backpressure/backpressure-metrics';
import { isDatabaseUnavailable } from '../../backpressure/database-unavailable';
import { SCIM_CONTENT_TYPE } from './scim-http.setup';
import { sendPlainJsonError } from '@idsync/platform';

/**
 * Renders every error as the RFC 7644 §3.12 Error schema (status as a string, scimType where one
 * applies). Unexpected errors become a 500 with an errorId; their details go to the log only.
 */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (!req.path.startsWith('/scim/')) return this.plainJson(exception, res);
    const error = this.toScimError(exception, req);
    if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="idsync-scim"');
    // A limiter that knows how long to wait has set Retry-After already.
    if ((error.status === 429 || error.status === 503) && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '1');
    res.status(error.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(error.toBody()));
  }

  /** Non-SCIM routes (health, metrics, admin) keep Nest's JSON error bodies (terminus puts its report there). */
  private plainJson(exception: unknown, res: Response): void {
    // The admin API and hooks, like SCIM: a database outage is retryable, not an internal error.
    sendPlainJsonError(exception, res, this.logger);
  }

  private toScimError(exception: unknown, req: Request): ScimError {
    if (exception instanceof ScimError) return exception;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 401) return new ScimError(401, undefined, 'Authentication required: send a valid Bearer token');
      if (status === 404) return ScimError.notFound(`No such endpoint: ${req.method} ${req.path}`);
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? ([] as unknown[]).concat((response as { message: unknown }).message).join('; ')
          : exception.message;
      return new ScimError(status, status === 400 ? 'invalidValue' : undefined, message);
    }
    if (isDatabaseUnavailable(exception)) {
      // Overload or a database restart: retryable (503 + Retry-After), never a 500.
      scimRequestsShed.inc({ reason: 'db-unavailable' });
      this.logger.warn({ err: exception }, 'database unavailable; answered 503');
      return new ScimError(503, undefined, 'The service is temporarily unavailable; retry after the number of seconds in Retry-After');
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'unexpected error');
    return new ScimError(500, undefined, `Internal error (errorId ${errorId})`);
  }
}
