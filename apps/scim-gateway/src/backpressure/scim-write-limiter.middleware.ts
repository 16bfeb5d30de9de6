import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ScimError } from '@idsync/identity';
import { GatewayConfig } from '../config/gateway.config';
import { SCIM_CONTENT_TYPE } from '../scim/http/scim-http.setup';
import { scimRequestsShed, scimWritesInFlight, scimWritesQueued } from './backpressure-metrics';
import { WriteAdmission } from './write-admission';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Admission control in front of every SCIM write (middleware, so it runs before the bearer-token
 * check, which needs a database connection too). Over the limit the request is answered at once
 * with 503 + Retry-After and a SCIM Error body — Okta and Entra retry those — instead of waiting
 * for a pooled connection until the client times out.
 */
@Injectable()
export class ScimWriteLimiterMiddleware implements NestMiddleware {
  private readonly admission: WriteAdmission;
  private readonly retryAfterSeconds: string;

  constructor(config: GatewayConfig) {
    this.admission = new WriteAdmission({ maxConcurrent: config.maxConcurrentWrites, maxQueued: config.maxQueuedWrites, maxWaitMs: config.SCIM_WRITE_QUEUE_TIMEOUT_MS });
    this.retryAfterSeconds = String(Math.max(1, Math.ceil(config.SCIM_WRITE_QUEUE_TIMEOUT_MS / 1000)));
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!WRITE_METHODS.has(req.method)) return next();
    const admission = await this.admission.acquire();
    this.observe();
    if (!admission.admitted) {
      scimRequestsShed.inc({ reason: admission.reason });
      const error = new ScimError(503, undefined, 'The service is busy; retry after the number of seconds in Retry-After');
      res.status(503).setHeader('Retry-After', this.retryAfterSeconds);
      res.type(SCIM_CONTENT_TYPE).send(JSON.stringify(error.toBody()));
      return;
    }
    const release = () => {
      admission.release();
      this.observe();
    };
    // 'close' also fires when the client went away mid-request; release() ignores the second call.
    res.once('finish', release);
    res.once('close', release);
    // Waited in the queue while the client gave up: do not start a write nobody will see.
    // (The socket, not req: a request whose body was read is already "destroyed".)
    if (req.socket.destroyed) return release();
    next();
  }

  private observe(): void {
    scimWritesInFlight.set(this.admission.inFlight);
    scimWritesQueued.set(this.admission.queued);
  }
}
