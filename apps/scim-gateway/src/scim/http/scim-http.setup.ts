import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ScimError } from '@idsync/identity';
import { decodeStrictUtf8, findJsonStructureProblem } from '@idsync/platform';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** A body rejected before parsing (body-parser forwards it to the error middleware below, which answers 400). */
class RejectedBodyError extends Error {}

/**
 * Runs before JSON.parse: invalid UTF-8 (overlong forms, truncated sequences) would otherwise become
 * U+FFFD silently, a duplicate key would be resolved last-wins, and deep nesting would reach our
 * recursive code. Each is the client's mistake, so each is a 400, not a guess.
 */
function verifyJsonBody(_req: Request, _res: Response, buf: Buffer): void {
  const text = decodeStrictUtf8(buf);
  if (text === undefined) throw new RejectedBodyError('Request body is not valid UTF-8');
  const problem = findJsonStructureProblem(text);
  if (problem?.kind === 'duplicateKey') throw new RejectedBodyError(`Duplicate JSON key "${problem.key.slice(0, 64)}" at offset ${problem.position}`);
  if (problem?.kind === 'tooDeep') throw new RejectedBodyError(`JSON nesting deeper than ${problem.maxDepth} levels`);
}

/**
 * Requests Node's HTTP parser refuses before express runs (a URL or headers over the 16 KiB limit,
 * malformed request lines) would get a bare status line; SCIM clients get the SCIM Error schema.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail = status === 431 ? 'Request line or headers exceed the size limit: send long filters with POST .search' : 'Malformed HTTP request';
  const body = JSON.stringify(new ScimError(status, undefined, detail).toBody());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Body parsing for the gateway: SCIM clients send application/scim+json (Okta, Entra) or
 * application/json. Parser failures become SCIM errors here, because they happen in express
 * middleware before Nest's exception filters see the request.
 */
export function configureScimHttp(app: INestApplication, maxPayloadBytes: number): void {
  (app.getHttpServer() as Server).on('clientError', answerClientError);
  app.use(
    express.json({ type: [SCIM_CONTENT_TYPE, 'application/json', 'application/*+json'], limit: maxPayloadBytes, strict: false, verify: verifyJsonBody }),
  );
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err || typeof err !== 'object') return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    let scim: ScimError | undefined;
    if (err instanceof RejectedBodyError) scim = ScimError.badRequest('invalidSyntax', err.message);
    else if (e.type === 'entity.parse.failed') scim = ScimError.badRequest('invalidSyntax', 'Request body is not valid JSON');
    else if (e.type === 'entity.too.large') scim = new ScimError(413, undefined, `Request body exceeds the ${maxPayloadBytes}-byte limit`);
    else if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') scim = new ScimError(415, undefined, 'Unsupported body encoding');
    else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) scim = new ScimError(e.status, undefined, 'Malformed request');
    if (!scim) return next(err);
    // Non-SCIM routes (admin API) keep plain JSON errors.
    if (!req.path.startsWith('/scim/')) return res.status(scim.status).json({ statusCode: scim.status, message: scim.message });
    res.status(scim.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(scim.toBody()));
  });
}
