import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { errorPage } from './html/console-pages';
import type { ConsoleSession } from './session/console-session';
import { ConsoleSignInRequired } from './session/console-session.guard';

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/**
 * Errors of console routes as pages a person can read: sign-in required → 303 to the sign-in form
 * (401 for the event stream and posts), 4xx → the message, anything else → 500 with an error id
 * (details only in the log).
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ConsoleExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { consoleSession?: ConsoleSession }>();
    const res = ctx.getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (exception instanceof ConsoleSignInRequired) {
      if (req.method === 'GET' && !String(req.headers.accept ?? '').includes('text/event-stream')) {
        res.redirect(303, `/console/login?next=${encodeURIComponent(exception.returnTo)}`);
      } else {
        res.status(401).type('html').send(errorPage(undefined, 401, 'Your console session has ended. Sign in again.'));
      }
      return;
    }
    let status = 500;
    let message: string;
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = messageOf(exception);
    } else {
      const errorId = randomUUID();
      this.logger.error({ err: exception, errorId }, 'console request failed');
      message = `The console could not answer (error id ${errorId}).`;
    }
    res.status(status).type('html').send(errorPage(req.consoleSession, status, message));
  }
}
