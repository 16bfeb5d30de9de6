import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ScimError } from '@idsync/identity';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

/**
 * Body parsing for the gateway: SCIM clients send application/scim+json (Okta, Entra) or
 * application/json. Parser failures become SCIM errors here, because they happen in express
 * middleware before Nest's exception filters see the request.
 */
export function configureScimHttp(app: INestApplication, maxPayloadBytes: number): void {
  app.use(express.json({ type: [SCIM_CONTENT_TYPE, 'application/json', 'application/*+json'], limit: maxPayloadBytes, strict: false }));
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err || typeof err !== 'object') return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    let scim: ScimError | undefined;
    if (e.type === 'entity.parse.failed') scim = ScimError.badRequest('invalidSyntax', 'Request body is not valid JSON');
    else if (e.type === 'entity.too.large') scim = new ScimError(413, undefined, `Request body exceeds the ${maxPayloadBytes}-byte limit`);
    else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') scim = new ScimError(415, undefined, 'Unsupported body encoding');
    else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) scim = new ScimError(e.status, undefined, 'Malformed request');
    if (!scim) return next(err);
    // Non-SCIM routes (admin API) keep plain JSON errors.
    if (!req.path.startsWith('/scim/')) return res.status(scim.status).json({ statusCode: scim.status, message: scim.message });
    res.status(scim.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(scim.toBody()));
  });
}
