import { HttpException, type LoggerService } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';

/**
 * PostgreSQL conditions that mean "try again shortly", not "this request is wrong" or "a bug":
 * no pooled connection within DATABASE_POOL_ACQUIRE_TIMEOUT_MS, the server refusing or dropping
 * connections (restart, terminated backend, too many clients). The apps answer these with
 * 503 + Retry-After, which SCIM clients and admin scripts retry, never with 500.
 */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03']);
// pg's own messages for a pooled client whose connection died under it (terminated backend, restart),
// and the server refusing new connections to a database closed for maintenance (datallowconn off: 55000,
// a code too broad to match on its own).
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /Connection terminated/i, /is not queryable/i, /is not currently accepting connections/i];
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET']);

// TypeORM's errors when a transaction's connection died under it (backend terminated mid-transaction,
// seen at commitTransaction in a chaos run): COMMIT was never sent, the server rolled the
// transaction back, so the request is safe to retry.
const UNAVAILABLE_ERROR_NAMES = new Set(['QueryRunnerProviderAlreadyReleasedError', 'QueryRunnerAlreadyReleasedError']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_ERROR_NAMES.has(error.name) || UNAVAILABLE_ERROR_NAMES.has(error.constructor.name)) return true;
  const code = (error as { code?: unknown }).code ?? (error as { driverError?: { code?: unknown } }).driverError?.code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_CODES.has(code))) return true;
  return UNAVAILABLE_MESSAGES.some((m) => m.test(error.message));
}

/**
 * Nest-style JSON error answer for non-SCIM routes (admin APIs, health, hooks): HTTP exceptions as
 * Nest renders them; a database outage 503 + Retry-After (a script can retry), not a 500; anything
 * else a 500 whose details go to the log only, under the errorId the body names.
 */
export function sendPlainJsonError(exception: unknown, res: Response, logger: LoggerService): void {
  if (exception instanceof HttpException) {
    const body = exception.getResponse();
    res.status(exception.getStatus()).json(typeof body === 'string' ? { statusCode: exception.getStatus(), message: body } : body);
    return;
  }
  if (isDatabaseUnavailable(exception)) {
    logger.warn({ err: exception }, 'database unavailable; answered 503');
    res.setHeader('Retry-After', '5');
    res.status(503).json({ statusCode: 503, message: 'The service is temporarily unavailable; retry after the number of seconds in Retry-After' });
    return;
  }
  const errorId = randomUUID();
  logger.error({ errorId, err: exception }, 'unexpected error');
  res.status(500).json({ statusCode: 500, message: `Internal error (errorId ${errorId})` });
}
